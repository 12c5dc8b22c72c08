import { stringify } from 'yaml';
import type { AlertRule } from '../monitoring.js';

/**
 * The villains' scenario of `firedrill demo --gameday`, written as a user would write it: two
 * secret experiments and the game-day file. "The database link crawls" (800 ms on every orders →
 * primary database link for 25 s: orders take seconds; no guardrail, the responders must notice),
 * "then a catalog replica dies" (SIGKILL, started again 4 s later; the gateway routes around it).
 */

/** The order the crawl's hypothesis places again and again (orders are idempotent by id). */
const PROBE_ORDER = '00000000-0000-4000-8000-000000000004';

export const CRAWL_EXPERIMENT = 'db-link-crawls';
export const REPLICA_EXPERIMENT = 'catalog-replica-dies';

export function crawlExperiment(gatewayUrl: string): string {
  return stringify({
    title: 'The database link crawls',
    description: '800 ms added on every link from the orders service to the primary database, for 25 s.',
    targets: { 'db-link': { kind: 'proxy', selector: { labels: { link: 'orders-db', dc: 'a' } } } },
    hypothesis: {
      during: false, // the game day measures when users were hurt: the run must not stop at the first slow order
      probes: [
        {
          name: 'orders-fast',
          probe: 'http',
          params: { url: `${gatewayUrl}/orders`, method: 'POST', body: { id: PROBE_ORDER, item: 'probe', qty: 1 }, timeout: '8s' },
          tolerance: { status: 201, latencyMs: { lt: 1000 } },
        },
      ],
    },
    method: [{ name: 'crawl', fault: 'proxy-latency', target: 'db-link', params: { latency: '800ms' }, duration: '25s' }],
    runtime: { maxDuration: '3m' }, // beyond its expectations' deadlines: a team that never contains it is a missed expectation, not an aborted run
  });
}

export function replicaExperiment(gatewayUrl: string): string {
  return stringify({
    title: 'A catalog replica dies',
    description: 'One catalog replica, picked at random, is killed (SIGKILL) and started again 4 s later.',
    targets: { replica: { kind: 'process', selector: { labels: { app: 'catalog' } }, mode: 'one' } },
    hypothesis: {
      during: false,
      probes: [
        {
          name: 'reads',
          probe: 'availability',
          params: { url: `${gatewayUrl}/products`, interval: '50ms', window: '1s', timeout: '1s' },
          tolerance: { overallSuccessRate: { gte: 0.999 } },
        },
      ],
    },
    method: [{ name: 'kill', fault: 'process-kill', target: 'replica', params: { signal: 'SIGKILL', restart: true }, duration: '4s' }],
    runtime: { maxDuration: '3m' },
  });
}

/** How each step is noticed: by an alert of the shop's rules (Prometheus), or a line of the gateway's log. */
export type Signals = { readonly kind: 'alerts' } | { readonly kind: 'log'; readonly gatewayLog: string };

/** The shop's alert rules (Prometheus evaluates them every second), named as the runbook knows them. */
export const SHOP_RULES: readonly AlertRule[] = [
  {
    name: 'ShopSlow',
    expr: 'histogram_quantile(0.99, sum by (le, route) (rate(shop_request_duration_seconds_bucket[5s]))) > 1',
    labels: { severity: 'page', service: 'shop' },
    summary: 'the shop answers its customers slowly (p99 above 1 s)',
  },
  {
    name: 'ShopErrors',
    expr: 'sum by (route) (rate(shop_requests_total{code=~"5.."}[5s])) / sum by (route) (rate(shop_requests_total[5s])) > 0.01',
    labels: { severity: 'page', service: 'shop' },
    summary: 'more than 1 % of the answers are server errors',
  },
  {
    name: 'CatalogReplicaDown',
    expr: 'shop_upstream_healthy{pool="catalog"} == 0',
    labels: { severity: 'ticket', service: 'catalog' },
    summary: 'a catalog replica fails its health check',
  },
];

/** What makes the responders' runbook name a cause: each alert (or log signal) and what it usually means. */
export const RUNBOOK: Readonly<Record<string, { readonly service: string; readonly fault: string; readonly detail: string }>> = {
  ShopSlow: { service: 'orders', fault: 'proxy-latency', detail: 'orders take seconds: the link to the database is slow' },
  ShopErrors: { service: 'orders', fault: 'proxy-latency', detail: 'orders fail: the database does not answer in time' },
  CatalogReplicaDown: { service: 'catalog', fault: 'process-kill', detail: 'a catalog replica is gone' },
};

/** Log lines that say the same as the alerts, for a machine without Prometheus (see src/demo/shop/answer-log.ts). */
export const LOG_SIGNALS = {
  ShopSlow: String.raw`gateway: orders: slow answer`,
  CatalogReplicaDown: String.raw`gateway: catalog catalog-\S+ unhealthy`,
} as const;

export interface GameDayFileOptions {
  readonly name: string;
  readonly villain: string;
  readonly facilitator: string;
  readonly team: readonly string[];
  readonly signals: Signals;
  /** Without a database the shop has no orders: the crawl is left out. */
  readonly withCrawl: boolean;
}

export function gameDayFile(options: GameDayFileOptions): string {
  const noticed = (alertname: keyof typeof LOG_SIGNALS, within: string) =>
    options.signals.kind === 'alerts'
      ? { name: 'alerted', within, alert: { source: 'alertmanager', labels: { alertname } } }
      : { name: 'logged', within, log: { file: options.signals.gatewayLog, regex: LOG_SIGNALS[alertname], every: '250ms' } };
  // The step's run waits for it: the day does not end before the team said it is contained.
  const contained = { name: 'contained', within: '90s', manual: { declare: 'contained' } };
  const crawl = {
    name: 'crawl',
    experiment: CRAWL_EXPERIMENT,
    cause: { service: 'orders', fault: 'proxy-latency' },
    expectations: [noticed('ShopSlow', '30s'), { name: 'owned', within: '1m', manual: { declare: 'acknowledged' } }, contained],
  };
  const replica = {
    name: 'replica-dies',
    experiment: REPLICA_EXPERIMENT,
    cause: { service: 'catalog', fault: 'process-kill' },
    expectations: [noticed('CatalogReplicaDown', '20s'), contained],
    ...(options.withCrawl && { trigger: { after: { step: 'crawl', declared: 'contained' }, delay: '5s' } }),
  };
  return stringify({
    name: options.name,
    title: 'The database link crawls, then a catalog replica dies',
    publicTitle: 'Game day at the shop',
    villains: [options.villain],
    facilitator: options.facilitator,
    teams: { shop: options.team },
    targets: { slo: 99.9, detect: '30s', acknowledge: '45s', contain: '2m', recover: '2m' },
    maxDuration: '4m', // the demo ends, whatever the team does
    scenario: options.withCrawl ? [crawl, replica] : [replica],
  });
}
