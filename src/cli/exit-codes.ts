import type { Verdict } from '../engine/journal.js';

/** Exit codes CI can act on. */
export const EXIT = {
  passed: 0,
  /** deviated, not steady or aborted: the drill found something. */
  finding: 1,
  invalidInput: 2,
  toolFailure: 3,
  /** `firedrill agent`: another agent already holds the state directory. */
  agentRunning: 4,
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
