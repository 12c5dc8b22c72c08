import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { errorMessage } from '../../errors.js';
import { BodyTooLarge, readBody, sendJson } from './http-io.js';
import { listen } from './listen.js';
import { NoWritableDatabase } from './orders-db.js';
import type { Order, OrdersDatabase } from './orders-db.js';

export interface OrdersOptions {
  readonly name: string;
  readonly dc: string;
  readonly port: number;
  readonly database: OrdersDatabase;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The orders service: `POST /orders` stores an order and answers 201 only once it is committed
 * (on both database servers: see orders-db.ts); `GET /health` is 200 while a writable database
 * answers, so the gateway stops sending orders here while this instance cannot take them.
 */
export async function startOrders(options: OrdersOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/health') {
      const health = options.database.health();
      sendJson(res, health.ok ? 200 : 503, { ...health, service: options.name, dc: options.dc });
    } else if (req.method === 'POST' && path === '/orders') {
      void placeOrder(options, req, res);
    } else {
      sendJson(res, 404, { error: `no route ${req.method} ${path}` });
    }
  });
  await listen(server, options.port);
  return server;
}

async function placeOrder(options: OrdersOptions, req: Parameters<typeof readBody>[0], res: Parameters<typeof sendJson>[0]): Promise<void> {
  let order: Order;
  try {
    order = parseOrder(await readBody(req));
  } catch (error) {
    sendJson(res, error instanceof BodyTooLarge ? 413 : 400, { error: errorMessage(error) });
    return;
  }
  try {
    const database = await options.database.insert(order);
    sendJson(res, 201, { id: order.id, database, service: options.name, dc: options.dc });
  } catch (error) {
    // Not stored, or not known to be: the client may retry with the same id.
    const why = error instanceof NoWritableDatabase ? error.message : `database error: ${errorMessage(error)}`;
    sendJson(res, 503, { error: why, service: options.name });
  }
}

function parseOrder(body: Buffer): Order {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Error('the body is not JSON');
  }
  const { id, item, qty } = (value ?? {}) as Record<string, unknown>;
  if (typeof id !== 'string' || !UUID.test(id)) throw new Error('id: expected a uuid chosen by the client (it makes retries safe)');
  if (typeof item !== 'string' || item.length === 0 || item.length > 64) throw new Error('item: expected a product id');
  if (typeof qty !== 'number' || !Number.isInteger(qty) || qty < 1 || qty > 1000)
    throw new Error('qty: expected an integer from 1 to 1000');
  return { id: id.toLowerCase(), item, qty };
}
