import type { UpstreamPool } from './upstream-pool.js';

/** Latency buckets of the gateway's answers, in seconds (Prometheus's `le`). */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * What the gateway tells Prometheus at GET /metrics (text format 0.0.4): requests by route and
 * status code, a latency histogram by route, and whether each upstream passes its health check —
 * what an alert rule on the shop's error rate or latency reads.
 */
export class GatewayMetrics {
  readonly #requests = new Map<string, number>();
  readonly #latency = new Map<string, { buckets: number[]; sum: number; count: number }>();

  record(route: string, code: number, seconds: number): void {
    const key = `route="${route}",code="${code}"`;
    this.#requests.set(key, (this.#requests.get(key) ?? 0) + 1);
    const histogram = this.#latency.get(route) ?? { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
    this.#latency.set(route, histogram);
    histogram.buckets = histogram.buckets.map((n, i) => (seconds <= (BUCKETS[i] ?? Infinity) ? n + 1 : n));
    histogram.sum += seconds;
    histogram.count++;
  }

  render(gateway: string, pools: readonly UpstreamPool[]): string {
    const lines = [
      '# HELP shop_requests_total Requests the gateway answered, by route and status code.',
      '# TYPE shop_requests_total counter',
      ...[...this.#requests].map(([labels, n]) => `shop_requests_total{gateway="${gateway}",${labels}} ${n}`),
      '# HELP shop_request_duration_seconds How long the gateway took to answer, by route.',
      '# TYPE shop_request_duration_seconds histogram',
    ];
    for (const [route, h] of this.#latency) {
      const labels = `gateway="${gateway}",route="${route}"`;
      BUCKETS.forEach((le, i) => lines.push(`shop_request_duration_seconds_bucket{${labels},le="${le}"} ${h.buckets[i] ?? 0}`));
      lines.push(
        `shop_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`,
        `shop_request_duration_seconds_sum{${labels}} ${h.sum}`,
        `shop_request_duration_seconds_count{${labels}} ${h.count}`,
      );
    }
    lines.push(
      '# HELP shop_upstream_healthy Whether the upstream passes its health check (1) or not (0).',
      '# TYPE shop_upstream_healthy gauge',
    );
    for (const pool of pools)
      for (const upstream of pool.upstreams)
        lines.push(
          `shop_upstream_healthy{gateway="${gateway}",pool="${pool.kind}",upstream="${upstream.name}"} ${upstream.healthy ? 1 : 0}`,
        );
    return `${lines.join('\n')}\n`;
  }
}
