import type { Verdict } from '../engine/journal.js';
import type { Tone } from './timeline.js';

/** Green for passed, red when Firedrill could not do its job, amber for what a drill found. */
export function verdictTone(verdict: Verdict | 'incomplete'): Tone {
  if (verdict === 'passed') return 'ok';
  if (verdict === 'failed' || verdict === 'incomplete') return 'bad';
  return 'warn';
}
