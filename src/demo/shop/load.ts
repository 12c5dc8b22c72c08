import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { errorMessage } from '../../errors.js';
import { PRODUCTS } from './catalog.js';
import { loadStats } from './load-stats.js';
import type { LoadSample, LoadStats } from './load-stats.js';

export interface LoadOptions {
  readonly gatewayUrl: string;
  readonly readsPerSecond?: number;
  readonly ordersPerSecond?: number;
  readonly readTimeoutMs?: number;
  /** The gateway may retry an order for up to 9 s (slow database link, failover). */
  readonly orderTimeoutMs?: number;
  /** Past this many requests waiting for an answer, new ones are counted failed, not sent. */
  readonly maxInFlight?: number;
}

/** How often the schedule is looked at; requests due since the last tick go out together. */
const TICK_MS = 20;

/**
 * Steady customer traffic through the gateway, for the whole demo: browsing (`GET /products`)
 * and ordering (`POST /orders` with a fresh uuid; acknowledged only by a 201). Bounded: a fixed
 * rate, and at most maxInFlight requests waiting. Every request is kept in a timeline, and
 * every acknowledged order id, which the audit later looks for in the database.
 */
export class LoadGenerator {
  private readonly options: Required<LoadOptions>;
  private readonly samples: LoadSample[] = [];
  private readonly acked: string[] = [];
  private readonly acks = new Map<string, OrderAck>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  /** Requests waiting for an answer, with when each was sent. */
  private readonly inFlight = new Map<Promise<void>, number>();
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private sent = { read: 0, order: 0 };

  constructor(options: LoadOptions) {
    this.options = { readsPerSecond: 40, ordersPerSecond: 4, readTimeoutMs: 3000, orderTimeoutMs: 12_000, maxInFlight: 200, ...options };
  }

  start(): void {
    if (this.timer) return;
    this.startedAt = performance.now();
    this.sent = { read: 0, order: 0 };
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** Stops sending; requests already sent still complete (within their timeouts) and are recorded. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops sending and waits for the requests in flight; then releases the connections. */
  async drain(): Promise<void> {
    this.stop();
    await Promise.all(this.inFlight.keys());
    this.agent.destroy();
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  timeline(): readonly LoadSample[] {
    return this.samples;
  }

  /**
   * Waits until every request sent before `toMs` (epoch ms) has its answer or its timeout, so
   * that stats over an interval that just ended include its slowest requests too.
   */
  async settle(toMs: number): Promise<void> {
    await Promise.all([...this.inFlight].filter(([, at]) => at < toMs).map(([request]) => request));
  }

  /** Reads, orders and downtime of the requests sent in [fromMs, toMs) (epoch ms). */
  stats(fromMs = 0, toMs = Date.now()): LoadStats {
    return loadStats(this.samples, fromMs, toMs);
  }

  /**
   * When (epoch ms) the first order sent at or after `ms` was acknowledged; undefined if none
   * was yet. After a fault injected at `ms`, this minus `ms` is the orders' recovery time.
   */
  firstOrderOkAfter(ms: number): number | undefined {
    const acked = this.samples
      .filter((sample) => sample.kind === 'order' && sample.ok && sample.at >= ms)
      .map((sample) => sample.at + sample.latencyMs);
    return acked.length === 0 ? undefined : Math.min(...acked);
  }

  /** The live list, appended to as acknowledgements arrive (the audit checks a copy of it). */
  ackedIds(): readonly string[] {
    return this.acked;
  }

  /** When an acknowledged order was sent and acknowledged, and by which service and database. */
  ack(id: string): OrderAck | undefined {
    return this.acks.get(id);
  }

  private tick(): void {
    const elapsedS = (performance.now() - this.startedAt) / 1000;
    for (const kind of ['read', 'order'] as const) {
      const rate = kind === 'read' ? this.options.readsPerSecond : this.options.ordersPerSecond;
      // After a stall (a busy machine) catch up by at most half a second's worth, not in a flood.
      const due = Math.min(Math.floor(elapsedS * rate) - this.sent[kind], Math.ceil(rate / 2));
      for (let i = 0; i < due; i++) this.send(kind);
      this.sent[kind] = Math.max(this.sent[kind], Math.floor(elapsedS * rate));
    }
  }

  private send(kind: 'read' | 'order'): void {
    const at = Date.now();
    if (this.inFlight.size >= this.options.maxInFlight) {
      this.samples.push({ at, kind, ok: false, latencyMs: 0, error: `over ${this.options.maxInFlight} requests in flight` });
      return;
    }
    const request = kind === 'read' ? this.read(at) : this.order(at);
    const tracked = request.finally(() => this.inFlight.delete(tracked));
    this.inFlight.set(tracked, at);
  }

  private async read(at: number): Promise<void> {
    const result = await this.request('GET', '/products', undefined, this.options.readTimeoutMs);
    this.samples.push({ at, kind: 'read', ok: result.status === 200, latencyMs: result.latencyMs, ...outcome(result) });
  }

  private async order(at: number): Promise<void> {
    const id = randomUUID();
    const product = PRODUCTS[Math.floor(Math.random() * PRODUCTS.length)] ?? PRODUCTS[0];
    const body = JSON.stringify({ id, item: product.id, qty: 1 + Math.floor(Math.random() * 3) });
    const result = await this.request('POST', '/orders', body, this.options.orderTimeoutMs);
    const ok = result.status === 201;
    if (ok) {
      this.acked.push(id);
      this.acks.set(id, { sentAt: new Date(at).toISOString(), latencyMs: result.latencyMs, ...servedBy(result.body) });
    }
    this.samples.push({ at, kind: 'order', ok, latencyMs: result.latencyMs, id, ...outcome(result) });
  }

  private request(
    method: string,
    path: string,
    body: string | undefined,
    timeoutMs: number,
  ): Promise<{ status?: number; error?: string; latencyMs: number; body?: string }> {
    const started = performance.now();
    const latency = () => Math.round((performance.now() - started) * 100) / 100;
    return new Promise((resolve) => {
      const url = new URL(path, this.options.gatewayUrl);
      const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
      const req = http.request(url, { method, headers, agent: this.agent }, (res) => {
        // Orders answer with a small JSON body naming who stored them; reads are only counted.
        let answer = '';
        if (method === 'POST') {
          res.setEncoding('utf8').on('data', (chunk: string) => {
            if (answer.length < 4096) answer += chunk;
          });
        } else {
          res.resume();
        }
        res.once('end', () => resolve({ status: res.statusCode ?? 0, latencyMs: latency(), body: answer }));
        res.once('error', (error) => resolve({ error: errorMessage(error), latencyMs: latency() }));
      });
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      req.once('close', () => clearTimeout(timer));
      req.once('error', (error) => resolve({ error: errorMessage(error), latencyMs: latency() }));
      req.end(body);
    });
  }
}

/** An acknowledged order, for the audit to explain a loss. */
export interface OrderAck {
  readonly sentAt: string;
  readonly latencyMs: number;
  readonly service?: string;
  readonly database?: string;
}

function servedBy(body: string | undefined): { service?: string; database?: string } {
  try {
    const { service, database } = JSON.parse(body ?? '') as Record<string, unknown>;
    return { ...(typeof service === 'string' ? { service } : {}), ...(typeof database === 'string' ? { database } : {}) };
  } catch {
    return {};
  }
}

function outcome(result: { status?: number; error?: string }): { status?: number; error?: string } {
  return {
    ...(result.status !== undefined ? { status: result.status } : {}),
    ...(result.error !== undefined ? { error: result.error } : {}),
  };
}
