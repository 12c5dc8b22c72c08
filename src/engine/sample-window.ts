/** One observation of a continuously sampled target (an availability probe's request). */
export interface Sample {
  /** When the sample completed (epoch ms); samples are added in completion order. */
  readonly at: number;
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: string;
}

/**
 * What a window holds right now. An empty window is "no data", never "all good": `samples` is
 * 0 and every rate, percentile and `maxLatencyMs` is `null`, so a tolerance such as
 * `successRate: { gte: 0.999 }` is not met until data arrives and callers can test
 * `samples === 0` to tell "no data yet" from "failing".
 *
 * Percentiles are nearest-rank (the value at rank ⌈p/100 × n⌉ of the sorted latencies, so always
 * an observed latency) over every sample in the window, failures included: a request that timed
 * out after 1 s is 1 s of latency a client really waited.
 */
// A type alias, not an interface, so that it is assignable to ProbeOutput (a plain record).
export type WindowStats = {
  samples: number;
  failures: number;
  /** 0..1, null when the window is empty. */
  successRate: number | null;
  failureRate: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  maxLatencyMs: number | null;
  /** Failures at the newest end of the window, uninterrupted by a success. */
  consecutiveFailures: number;
  /** The newest error message in the window, null when none. */
  lastError: string | null;
};

export const WINDOW_STATS_FIELDS = [
  'successRate',
  'failureRate',
  'samples',
  'failures',
  'p50',
  'p90',
  'p95',
  'p99',
  'maxLatencyMs',
  'consecutiveFailures',
  'lastError',
] as const;

/** Bounds memory if nobody reads the window and samples arrive faster than they expire. */
const MAX_SAMPLES = 100_000;

/**
 * Samples over a sliding time window, read every ~100 ms by guardrails. A growable ring buffer
 * keeps add and expiry O(1) (no Array#shift); `stats` is O(n log n) in the window's size, which
 * stays small (a 2 s window sampled every 100 ms holds 20).
 */
export class SampleWindow {
  readonly windowMs: number;
  private ring: (Sample | undefined)[] = new Array<Sample | undefined>(64);
  private head = 0;
  private size = 0;

  constructor(windowMs: number) {
    if (!(windowMs > 0)) throw new RangeError(`window must be positive, got ${windowMs}`);
    this.windowMs = windowMs;
  }

  get length(): number {
    return this.size;
  }

  add(sample: Sample): void {
    this.expire(sample.at);
    if (this.size === MAX_SAMPLES) this.dropOldest();
    if (this.size === this.ring.length) this.grow();
    this.ring[(this.head + this.size) % this.ring.length] = sample;
    this.size++;
  }

  clear(): void {
    this.ring = new Array<Sample | undefined>(64);
    this.head = 0;
    this.size = 0;
  }

  stats(now: number = Date.now()): WindowStats {
    this.expire(now);
    const n = this.size;
    const latencies = new Float64Array(n);
    let failures = 0;
    let lastError: string | null = null;
    let consecutiveFailures = 0;
    let streakOpen = true;
    // Newest first, so the failure streak and last error are found in the same pass.
    for (let i = n - 1; i >= 0; i--) {
      const sample = this.at(i);
      latencies[i] = sample.latencyMs;
      if (sample.ok) {
        streakOpen = false;
        continue;
      }
      failures++;
      if (streakOpen) consecutiveFailures++;
      if (lastError === null && sample.error !== undefined) lastError = sample.error;
    }
    latencies.sort();
    return {
      samples: n,
      failures,
      successRate: n ? (n - failures) / n : null,
      failureRate: n ? failures / n : null,
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      maxLatencyMs: n ? (latencies[n - 1] as number) : null,
      consecutiveFailures,
      lastError,
    };
  }

  private at(index: number): Sample {
    return this.ring[(this.head + index) % this.ring.length] as Sample;
  }

  private expire(now: number): void {
    const oldest = now - this.windowMs;
    while (this.size > 0 && this.at(0).at <= oldest) this.dropOldest();
  }

  private dropOldest(): void {
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.ring.length;
    this.size--;
  }

  private grow(): void {
    const next = new Array<Sample | undefined>(this.ring.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = this.at(i);
    this.ring = next;
    this.head = 0;
  }
}

/** Nearest-rank percentile of sorted values; null for none. */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}
