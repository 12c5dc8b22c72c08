import type { Verdict } from '../engine/journal.js';

/**
 * One line of the demo's summary table (and of its report): what a drill showed, in numbers.
 * Absent numbers were not measured by that drill (a backup drill has no availability).
 */
export interface DrillSummary {
  /** "1. A replica dies" */
  readonly drill: string;
  readonly runId: string;
  readonly verdict: Verdict;
  /** The verdict this drill is meant to reach: a demo drill can be built to deviate. */
  readonly expected: Verdict;
  readonly reason: string;
  /** Share of successful reads over the drill (0..1). */
  readonly availability?: number;
  /** Seconds in which a customer request failed (whole seconds with at least one failure). */
  readonly downtimeSeconds?: number;
  /** p99 latency over every customer request of the drill (ms). */
  readonly p99Ms?: number;
  /** Seconds from the fault to the first order accepted again. */
  readonly rtoSeconds?: number;
  /** Acknowledged orders missing from the database afterwards. */
  readonly ordersLost?: number;
  /** Breach observed → every fault reverted (aborted drills). */
  readonly abortLatencyMs?: number;
  /** Path of the run's journal.json. */
  readonly journal: string;
}

export interface DemoSummary {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly drills: readonly DrillSummary[];
  /** Drills skipped, and why (no PostgreSQL binaries on this machine…). */
  readonly skipped: readonly { readonly drill: string; readonly reason: string }[];
}
