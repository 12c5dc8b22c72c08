import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { errorMessage } from '../../errors.js';
import { forwardOnce } from './forward.js';
import { AnswerLog } from './answer-log.js';
import { GatewayMetrics } from './gateway-metrics.js';
import type { ForwardRequest } from './forward.js';
import { BodyTooLarge, readBody, sendJson } from './http-io.js';
import { close, listen } from './listen.js';
import { UpstreamPool } from './upstream-pool.js';
import type { UpstreamAddress } from './upstream-pool.js';

export interface GatewayOptions {
  readonly name: string;
  readonly port: number;
  readonly catalog: readonly UpstreamAddress[];
  readonly orders: readonly UpstreamAddress[];
  readonly log: (line: string) => void;
}

/** How long one try may take, and all tries of one request together. */
interface RetryBudget {
  readonly perTryMs: number;
  readonly totalMs: number;
}

/** Reads are quick or broken. */
const READ_BUDGET: RetryBudget = { perTryMs: 1000, totalMs: 2500 };
/** An order is three round trips to the database, and a drill may slow that link to seconds. */
const ORDER_BUDGET: RetryBudget = { perTryMs: 5000, totalMs: 9000 };
const HEALTH = { intervalMs: 200, timeoutMs: 400 };

/**
 * The shop's load balancer: `GET /products` goes to the catalog replicas, `POST /orders` to
 * the orders instances, round robin over those whose health check passes. A try that fails
 * (no connection, no answer in time, or a 5xx) is retried on the next healthy upstream — orders
 * too, since they are idempotent by id. The client gets 502 only when every healthy upstream
 * failed, 503 when none is healthy.
 */
export async function startGateway(options: GatewayOptions): Promise<Server> {
  const pools = {
    catalog: new UpstreamPool('catalog', options.catalog, { ...HEALTH, log: options.log }),
    orders: new UpstreamPool('orders', options.orders, { ...HEALTH, log: options.log }),
  };
  const metrics = new GatewayMetrics();
  const answers = new AnswerLog(options.log);
  const server = createServer((req, res) => void route(req, res));
  /** Counts the answer to a customer's request once it is sent. */
  const measured = (name: string, res: ServerResponse) => {
    const started = performance.now();
    res.once('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      metrics.record(name, res.statusCode, seconds);
      answers.note(name, res.statusCode, seconds);
    });
  };
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    const bare = path.split('?')[0];
    if (req.method === 'GET' && bare === '/health') return sendHealth(res);
    if (req.method === 'GET' && bare === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      return void res.end(metrics.render(options.name, Object.values(pools)));
    }
    if (req.method === 'GET' && bare === '/products') {
      measured('products', res);
      return relay(pools.catalog, READ_BUDGET, req, res);
    }
    if (req.method === 'POST' && bare === '/orders') {
      measured('orders', res);
      return relay(pools.orders, ORDER_BUDGET, req, res);
    }
    sendJson(res, 404, { error: `no route ${req.method} ${bare}` });
  }
  function sendHealth(res: ServerResponse): void {
    const view = Object.fromEntries(
      Object.entries(pools).map(([kind, pool]) => [
        kind,
        pool.upstreams.map(({ name, healthy, lastError }) => ({ name, healthy, ...(lastError ? { lastError } : {}) })),
      ]),
    );
    const ok = Object.values(pools).every((pool) => pool.upstreams.length === 0 || pool.upstreams.some((upstream) => upstream.healthy));
    sendJson(res, ok ? 200 : 503, { ok, gateway: options.name, upstreams: view });
  }
  for (const pool of Object.values(pools)) pool.start();
  server.once('close', () => Object.values(pools).forEach((pool) => pool.stop()));
  try {
    await listen(server, options.port);
  } catch (error) {
    await close(server);
    throw error;
  }
  return server;
}

async function relay(pool: UpstreamPool, budget: RetryBudget, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (error) {
    sendJson(res, error instanceof BodyTooLarge ? 413 : 400, { error: errorMessage(error) });
    return;
  }
  const request: ForwardRequest = {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    body,
    ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
  };
  const deadline = Date.now() + budget.totalMs;
  const candidates = pool.rotation();
  if (candidates.length === 0) {
    sendJson(res, 503, {
      error: `no healthy ${pool.kind} upstream`,
      upstreams: pool.upstreams.map(({ name, lastError }) => ({ name, lastError })),
    });
    return;
  }
  const tries: { upstream: string; status?: number; error?: string }[] = [];
  for (const upstream of candidates) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    try {
      const answer = await forwardOnce(upstream, request, Math.min(budget.perTryMs, left));
      if (answer.status >= 500) {
        tries.push({ upstream: upstream.name, status: answer.status });
        continue;
      }
      res.writeHead(answer.status, {
        'content-type': answer.contentType,
        'content-length': answer.body.length,
        'x-upstream': upstream.name,
        'x-tries': String(tries.length + 1),
      });
      res.end(answer.body);
      return;
    } catch (error) {
      tries.push({ upstream: upstream.name, error: errorMessage(error) });
      pool.markDown(upstream, errorMessage(error));
    }
  }
  sendJson(res, 502, { error: `every ${pool.kind} upstream failed`, tries });
}
