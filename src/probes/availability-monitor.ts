import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
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
  const agent = url.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const [low, high] = options.okStatus;
  return {
    async sample(signal) {
      const started = performance.now();
      try {
        const { status, latencyMs } = await httpRequest({
          url, method: 'GET', timeoutMs: options.timeoutMs, verifyTls: options.verifyTls,
          maxBodyBytes: SAMPLE_BODY_BYTES, signal, agent,
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
  private readonly inFlight = new Set<Promise<void>>();
  private readonly controller = new AbortController();
  private readonly ticker: NodeJS.Timeout;
  private readonly maxInFlight: number;
  private stopped = false;

  constructor(
    private readonly sampler: Sampler,
    timing: MonitorTiming,
  ) {
    this.window = new SampleWindow(timing.windowMs);
    this.maxInFlight = maxInFlight(timing);
    this.ticker = setInterval(() => this.tick(), timing.intervalMs);
    this.tick();
  }

  read(): WindowStats {
    return this.window.stats();
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
        if (!this.stopped) this.window.add({ at: Date.now(), ...result });
      })
      .finally(() => this.inFlight.delete(pending));
    this.inFlight.add(pending);
  }
}

export function maxInFlight(timing: MonitorTiming): number {
  return Math.max(1, Math.ceil(timing.timeoutMs / timing.intervalMs));
}
