import http from 'node:http';
import { errorMessage } from '../../errors.js';

export interface UpstreamAddress {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

export interface Upstream extends UpstreamAddress {
  healthy: boolean;
  /** Why the last health check failed, for the gateway's /health. */
  lastError?: string;
  /** Traffic keeps its connections open; health checks use their own (see below). */
  readonly agent: http.Agent;
}

export interface HealthCheckOptions {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

/**
 * Upstreams of one kind (the catalog replicas, or the orders instances), each checked with
 * `GET /health` every intervalMs: an upstream is used while its last check succeeded. A check
 * that times out counts as failed, so a blackholed link is out of rotation within
 * interval + timeout. Requests go round robin over the healthy ones.
 */
export class UpstreamPool {
  readonly upstreams: readonly Upstream[];
  private next = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly checkAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private stopped = false;

  constructor(
    readonly kind: string,
    addresses: readonly UpstreamAddress[],
    private readonly options: HealthCheckOptions,
  ) {
    this.upstreams = addresses.map((address) => ({
      ...address,
      healthy: false,
      agent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
    }));
  }

  start(): void {
    for (const upstream of this.upstreams) void this.checkLoop(upstream);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const upstream of this.upstreams) upstream.agent.destroy();
    this.checkAgent.destroy();
  }

  /** The healthy upstreams, starting with the next one in round-robin order. */
  rotation(): Upstream[] {
    const healthy = this.upstreams.filter((upstream) => upstream.healthy);
    if (healthy.length === 0) return [];
    const start = this.next++ % healthy.length;
    return [...healthy.slice(start), ...healthy.slice(0, start)];
  }

  /** A request could not reach it: out of rotation until its next check succeeds. */
  markDown(upstream: Upstream, why: string): void {
    this.setHealth(upstream, false, why);
  }

  private async checkLoop(upstream: Upstream): Promise<void> {
    while (!this.stopped) {
      const started = Date.now();
      const failure = await this.check(upstream);
      this.setHealth(upstream, failure === undefined, failure);
      const wait = Math.max(0, this.options.intervalMs - (Date.now() - started));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          resolve();
        }, wait);
        this.timers.add(timer);
      });
    }
  }

  /** Undefined when healthy, else why not. */
  private check(upstream: Upstream): Promise<string | undefined> {
    return new Promise((resolve) => {
      const req = http.get(
        { host: upstream.host, port: upstream.port, path: '/health', agent: this.checkAgent, timeout: this.options.timeoutMs },
        (res) => {
          res.resume();
          res.once('end', () => resolve(res.statusCode === 200 ? undefined : `health ${res.statusCode}`));
          res.once('error', (error) => resolve(errorMessage(error)));
        },
      );
      // The socket is destroyed, never reused: a blackholed connection must not be kept.
      req.once('timeout', () => req.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`)));
      req.once('error', (error) => resolve(errorMessage(error)));
    });
  }

  private setHealth(upstream: Upstream, healthy: boolean, why: string | undefined): void {
    if (upstream.healthy !== healthy) this.options.log(`${this.kind} ${upstream.name} ${healthy ? 'healthy' : `unhealthy: ${why ?? '?'}`}`);
    upstream.healthy = healthy;
    if (why === undefined) delete upstream.lastError;
    else upstream.lastError = why;
  }
}
