import type { Verdict } from '../engine/journal.js';

/** Exit codes CI can act on. */
export const EXIT = {
  passed: 0,
  /** deviated, not steady or aborted: the drill found something. */
  finding: 1,
  invalidInput: 2,
  toolFailure: 3,
} as const;

export function exitCodeFor(verdict: Verdict): number {
  switch (verdict) {
    case 'passed':
      return EXIT.passed;
    case 'failed':
      return EXIT.toolFailure;
    default:
      return EXIT.finding;
  }
}
