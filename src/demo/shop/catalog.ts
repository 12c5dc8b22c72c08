import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { sendJson } from './http-io.js';
import { listen } from './listen.js';

/** What the shop sells; the orders table's `item` refers to these ids. */
export const PRODUCTS = [
  { id: 'kettle', name: 'Kettle', priceCents: 3900 },
  { id: 'teapot', name: 'Teapot', priceCents: 2500 },
  { id: 'mug', name: 'Mug', priceCents: 900 },
  { id: 'tea', name: 'Loose-leaf tea, 250 g', priceCents: 1200 },
  { id: 'strainer', name: 'Strainer', priceCents: 600 },
] as const;

export interface CatalogOptions {
  readonly name: string;
  readonly dc: string;
  readonly port: number;
}

/**
 * A catalog replica: stateless, so any replica answers any read. Its answers name the replica
 * and its datacenter, so a reader (or a test) can see where the gateway sent it.
 */
export async function startCatalog(options: CatalogOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/products') sendJson(res, 200, { service: options.name, dc: options.dc, products: PRODUCTS });
    else if (req.method === 'GET' && path === '/health') sendJson(res, 200, { ok: true, service: options.name, dc: options.dc });
    else sendJson(res, 404, { error: `no route ${req.method} ${path}` });
  });
  await listen(server, options.port);
  return server;
}
