/** One request of the steady load, as the customer saw it. */
export interface LoadSample {
  /** When it was sent (epoch ms). */
  readonly at: number;
  readonly kind: 'read' | 'order';
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly status?: number;
  readonly error?: string;
  /** The order's id (orders only). */
  readonly id?: string;
}

export interface KindStats {
  readonly ok: number;
  readonly failed: number;
  /** Nearest-rank p99 over every request of the kind, failures included (null: none). */
  readonly p99Ms: number | null;
  /** Whole seconds of the interval in which a request of this kind failed. */
  readonly downtimeSeconds: number;
}

export interface LoadStats {
  readonly reads: KindStats;
  readonly orders: KindStats;
  /** Whole seconds of the interval in which any request failed: what customers felt. */
  readonly downtimeSeconds: number;
  /** Nearest-rank p99 over every request, reads and orders (null: none). */
  readonly p99Ms: number | null;
}

/** Stats of the requests sent in [fromMs, toMs). */
export function loadStats(samples: readonly LoadSample[], fromMs: number, toMs: number): LoadStats {
  const inside = samples.filter((sample) => sample.at >= fromMs && sample.at < toMs);
  return {
    reads: kindStats(
      inside.filter((sample) => sample.kind === 'read'),
      fromMs,
    ),
    orders: kindStats(
      inside.filter((sample) => sample.kind === 'order'),
      fromMs,
    ),
    downtimeSeconds: failedSeconds(inside, fromMs),
    p99Ms: percentile(
      inside.map((sample) => sample.latencyMs),
      0.99,
    ),
  };
}

function kindStats(samples: readonly LoadSample[], fromMs: number): KindStats {
  const ok = samples.filter((sample) => sample.ok).length;
  return {
    ok,
    failed: samples.length - ok,
    p99Ms: percentile(
      samples.map((sample) => sample.latencyMs),
      0.99,
    ),
    downtimeSeconds: failedSeconds(samples, fromMs),
  };
}

function failedSeconds(samples: readonly LoadSample[], fromMs: number): number {
  return new Set(samples.filter((sample) => !sample.ok).map((sample) => Math.floor((sample.at - fromMs) / 1000))).size;
}

export function percentile(values: readonly number[], rank: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(rank * sorted.length) - 1))] ?? null;
}
