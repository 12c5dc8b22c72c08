// Shared by the page's script (src/report/browser) and the code that writes the page: no imports.

/**
 * What the report's charts draw, in seconds since the run started. uPlot wants one x array
 * shared by every series, so each probe's readings sit at their own x with null elsewhere
 * (drawn with spanGaps). It is also the JSON block the page carries.
 */
export interface ChartData {
  readonly probes: readonly string[];
  readonly x: readonly number[];
  /** Per probe, percent of successful samples in its window (null: no sample yet). */
  readonly successRate: readonly (number | null)[][];
  readonly p50: readonly (number | null)[][];
  readonly p99: readonly (number | null)[][];
  /** Shaded: from injected to reverted (or to the end of the run when never reverted). */
  readonly faults: readonly { readonly label: string; readonly from: number; readonly to: number }[];
  /** Vertical lines: guardrail trips, the abort, the last revert after it. */
  readonly markers: readonly { readonly at: number; readonly label: string }[];
  readonly end: number;
}
