import type { Verdict } from '../engine/journal.js';

/** Words shared by every report format, so that HTML, Markdown and the terminal agree. */

/** What each verdict means, for someone who has never read the docs. */
export const VERDICT_MEANING: Record<Verdict | 'incomplete', string> = {
  passed: 'The system held: the hypothesis was met before, during and after the faults, and every fault was reverted and verified.',
  deviated: 'The drill found a weakness: the steady-state hypothesis broke while the faults were active or after them.',
  'not-steady': 'The system was not healthy before the drill, so nothing was injected.',
  aborted: 'The drill was stopped early (a guardrail tripped, or a halt or signal came) and every fault was reverted.',
  failed: 'Firedrill could not do its job (a fault could not be injected or verified, an action failed): something may be left behind.',
  incomplete: 'The run stopped before writing its journal. Faults it injected may still be active: run `firedrill recover`.',
};

export const VERDICT_LABEL: Record<Verdict | 'incomplete', string> = {
  passed: 'Passed',
  deviated: 'Deviated',
  'not-steady': 'Not steady',
  aborted: 'Aborted',
  failed: 'Failed',
  incomplete: 'Incomplete',
};

/** `2026-11-21 10:15:30 UTC`: reports are read in other time zones than the run's. */
export function formatDate(iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Seconds since the run started, as the timeline and the charts count them: `+12.3s`. */
export function formatOffset(seconds: number): string {
  return `+${seconds.toFixed(seconds < 10 ? 2 : 1)}s`;
}

/** `99.95%`; never rounds a miss up to `100.00%`, which would hide it. */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  if (ratio === 1) return '100%';
  for (const digits of [2, 3, 4]) {
    const text = (ratio * 100).toFixed(digits);
    if (text !== '100.'.padEnd(4 + digits, '0')) return `${text}%`;
  }
  return `${(ratio * 100).toFixed(5)}%`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return ms >= 100 ? `${Math.round(ms)} ms` : `${Number(ms.toFixed(1))} ms`;
}

export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  return `${Number(seconds.toFixed(seconds >= 100 ? 0 : 1))} s`;
}
