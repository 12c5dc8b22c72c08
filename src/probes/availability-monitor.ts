import http from 'node:http';
import type { ProbeMonitor } from '../engine/probe.js';
import { SampleWindow } from '../engine/sample-window.js';
import type { WindowStats } from '../engine/sample-window.js';
import { errorMessage } from '../errors.js';
import { httpRequest } from './http-request.js';
import { roundMs } from './params.js';
import { tcpConnect } from './tcp-connect.js';

export interface SampleResult {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: string;
}

/** Takes one sample; never rejects (a failure is a sample), and drops its sockets on `close`. */
export interface Sampler {
  sample(signal: AbortSignal): Promise<SampleResult>;
  close(): void;
}

export interface HttpSamplerOptions {
  readonly url: string;
  readonly timeoutMs: number;
  readonly verifyTls: boolean;
  readonly okStatus: readonly [number, number];
  readonly maxSockets: number;
}

/** Bodies are read only to keep the connection reusable; 64 KiB is plenty for health pages. */
const SAMPLE_BODY_BYTES = 65_536;

export function httpSampler(options: HttpSamplerOptions): Sampler {
  const url = new URL(options.url);
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, rejectUnauthorized: options.verifyTls };
  // Owned by this sampler alone, so destroying it on close cannot affect anyone else's sockets.
  const agent = url.protocol === 'https:' ? new (process.getBuiltinModule('node:https').Agent)(agentOptions) : new http.Agent(agentOptions);
  const [low, high] = options.okStatus;
  return {
    async sample(signal) {
      const started = performance.now();
      try {
        const { status, latencyMs } = await httpRequest({
          url,
          method: 'GET',
          timeoutMs: options.timeoutMs,
          verifyTls: options.verifyTls,
          maxBodyBytes: SAMPLE_BODY_BYTES,
          signal,
          agent,
        });
        return status >= low && status <= high ? { ok: true, latencyMs } : { ok: false, latencyMs, error: `status ${status}` };
      } catch (error) {
        return { ok: false, latencyMs: roundMs(performance.now() - started), error: errorMessage(error) };
      }
    },
    close: () => agent.destroy(),
  };
}

export function tcpSampler(host: string, port: number, timeoutMs: number): Sampler {
  return {
    async sample(signal) {
      const started = performance.now();
      try {
        const { connected, latencyMs, error } = await tcpConnect(host, port, timeoutMs, signal);
        return connected ? { ok: true, latencyMs } : { ok: false, latencyMs, error: error ?? 'not connected' };
      } catch (error) {
        return { ok: false, latencyMs: roundMs(performance.now() - started), error: errorMessage(error) };
      }
    },
    close: () => undefined,
  };
}

export interface MonitorTiming {
  readonly intervalMs: number;
  readonly windowMs: number;
  readonly timeoutMs: number;
}

/**
 * Samples every interval into a sliding window. Each tick starts at most one sample and every
 * sample ends within the timeout, so a hanging target holds at most ⌈timeout / interval⌉
 * requests in flight — a bound enforced explicitly, never a pile-up.
 */
export class SamplingMonitor implements ProbeMonitor {
  readonly window: SampleWindow;
  /** Every sample since the start, for "availability over the whole drill". */
  readonly totals = new SampleTotals();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly controller = new AbortController();
  private readonly ticker: NodeJS.Timeout;
  private readonly maxInFlight: number;
  private stopped = false;
  private readonly intervalMs: number;

  constructor(
    private readonly sampler: Sampler,
    timing: MonitorTiming,
  ) {
    this.window = new SampleWindow(timing.windowMs);
    this.intervalMs = timing.intervalMs;
    this.maxInFlight = maxInFlight(timing);
    this.ticker = setInterval(() => this.tick(), timing.intervalMs);
    this.tick();
  }

  read(): WindowStats & TotalStats {
    return { ...this.window.stats(), ...this.totals.stats(this.intervalMs) };
  }

  /** Stops sampling, aborts what is in flight, waits for it to settle and closes every socket. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.ticker);
    this.controller.abort(new Error('monitor stopped'));
    await Promise.allSettled([...this.inFlight]);
    this.sampler.close();
  }

  private tick(): void {
    if (this.stopped || this.inFlight.size >= this.maxInFlight) return;
    const pending: Promise<void> = this.sampler
      .sample(this.controller.signal)
      .then((result) => {
        if (this.stopped) return;
        const sample = { at: Date.now(), ...result };
        this.window.add(sample);
        this.totals.add(sample);
      })
      .finally(() => this.inFlight.delete(pending));
    this.inFlight.add(pending);
  }
}

export function maxInFlight(timing: MonitorTiming): number {
  return Math.max(1, Math.ceil(timing.timeoutMs / timing.intervalMs));
}

// A type, not an interface: probe outputs need its implicit index signature.
export type TotalStats = {
  /** Since the monitor started: every sample, not only the window's. */
  readonly totalSamples: number;
  readonly totalFailures: number;
  /** null until the first sample. */
  readonly overallSuccessRate: number | null;
  readonly overallP99: number | null;
  /** When the first and the last failing sample were taken (ISO), null without failures. */
  readonly firstFailureAt: string | null;
  readonly lastFailureAt: string | null;
  /** How long users were affected: first to last failure, plus one interval (0 without failures). */
  readonly affectedMs: number;
};

export const TOTAL_STATS_FIELDS = [
  'totalSamples',
  'totalFailures',
  'overallSuccessRate',
  'overallP99',
  'firstFailureAt',
  'lastFailureAt',
  'affectedMs',
] as const;

/** Latencies kept for the overall p99: at 10 ms sampling, over 15 minutes. */
const MAX_LATENCIES = 100_000;

export class SampleTotals {
  private samples = 0;
  private failures = 0;
  private firstFailure: number | undefined;
  private lastFailure: number | undefined;
  private readonly latencies: number[] = [];

  add(sample: { at: number; ok: boolean; latencyMs: number }): void {
    this.samples += 1;
    if (this.latencies.length < MAX_LATENCIES) this.latencies.push(sample.latencyMs);
    if (sample.ok) return;
    this.failures += 1;
    this.firstFailure ??= sample.at;
    this.lastFailure = sample.at;
  }

  stats(intervalMs: number): TotalStats {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const rank = Math.ceil(0.99 * sorted.length) - 1;
    const iso = (at: number | undefined) => (at === undefined ? null : new Date(at).toISOString());
    return {
      totalSamples: this.samples,
      totalFailures: this.failures,
      overallSuccessRate: this.samples === 0 ? null : (this.samples - this.failures) / this.samples,
      overallP99: sorted.length === 0 ? null : (sorted[Math.max(0, rank)] ?? null),
      firstFailureAt: iso(this.firstFailure),
      lastFailureAt: iso(this.lastFailure),
      affectedMs: this.firstFailure === undefined || this.lastFailure === undefined ? 0 : this.lastFailure - this.firstFailure + intervalMs,
    };
  }
}
