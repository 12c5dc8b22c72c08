import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startCatalog } from '../../../src/demo/shop/catalog.js';
import { startGateway } from '../../../src/demo/shop/gateway.js';
import { close, listen } from '../../../src/demo/shop/listen.js';
import { UpstreamPool } from '../../../src/demo/shop/upstream-pool.js';
import type { UpstreamAddress } from '../../../src/demo/shop/upstream-pool.js';
import { request, waitFor } from './helpers.js';
import type { GatewayHealth } from './helpers.js';

/**
 * The pool and the gateway in-process, in front of real servers on 127.0.0.1 that misbehave on
 * purpose: one answers 500, one never answers. What the child-process test cannot arrange.
 */
const servers: Server[] = [];
const pools: UpstreamPool[] = [];
const log: string[] = [];

afterEach(async () => {
  for (const pool of pools.splice(0)) pool.stop();
  await Promise.all(servers.splice(0).map((server) => close(server)));
  log.length = 0;
});

function address(name: string, server: Server): UpstreamAddress {
  return { name, host: '127.0.0.1', port: (server.address() as AddressInfo).port };
}

async function catalog(name: string): Promise<UpstreamAddress> {
  const server = await startCatalog({ name, dc: 'a', port: 0 });
  servers.push(server);
  return address(name, server);
}

/** A server whose /health passes but whose /products answers 500, or never at all. */
async function broken(name: string, products: 'error' | 'silent', health: 'ok' | 'silent' = 'ok'): Promise<UpstreamAddress> {
  const server = createServer((req, res) => {
    const answer = req.url === '/health' ? health : products;
    if (answer === 'silent') return; // holds the request; close() cuts it at the end of the test
    res.writeHead(answer === 'ok' ? 200 : 500, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer === 'ok' ? { ok: true } : { error: 'boom' }));
  });
  await listen(server, 0);
  servers.push(server);
  return address(name, server);
}

function pool(addresses: UpstreamAddress[], timeoutMs = 400): UpstreamPool {
  const created = new UpstreamPool('catalog', addresses, { intervalMs: 100, timeoutMs, log: (line) => log.push(line) });
  pools.push(created);
  created.start();
  return created;
}

async function gateway(catalogs: UpstreamAddress[]): Promise<string> {
  const server = await startGateway({ name: 'gateway', port: 0, catalog: catalogs, orders: [], log: (line) => log.push(line) });
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await waitFor(
    async () =>
      ((await request(`${url}/health`)).body as GatewayHealth).upstreams.catalog?.every((upstream) => upstream.healthy) || undefined,
    10_000,
    'the gateway to see every upstream healthy',
  );
  return url;
}

describe('UpstreamPool', () => {
  it('starts every upstream unhealthy, then rotates round robin over those whose check passed', async () => {
    const upstreams = [await catalog('c1'), await catalog('c2'), await catalog('c3')];
    const checked = pool(upstreams);
    expect(checked.rotation()).toEqual([]);
    await waitFor(() => (checked.upstreams.every((upstream) => upstream.healthy) ? true : undefined), 10_000, 'every check to pass');
    const firsts = [0, 1, 2, 3].map(() => checked.rotation().map((upstream) => upstream.name));
    expect(firsts).toEqual([
      ['c1', 'c2', 'c3'],
      ['c2', 'c3', 'c1'],
      ['c3', 'c1', 'c2'],
      ['c1', 'c2', 'c3'],
    ]);
    expect(log).toEqual(expect.arrayContaining(['catalog c1 healthy', 'catalog c2 healthy', 'catalog c3 healthy']));
  });

  it('takes an upstream marked down out of rotation until its next check passes', async () => {
    const checked = pool([await catalog('c1'), await catalog('c2')]);
    await waitFor(() => (checked.upstreams.every((upstream) => upstream.healthy) ? true : undefined), 10_000, 'every check to pass');
    const [c1] = checked.upstreams;
    checked.markDown(c1 as NonNullable<typeof c1>, 'ECONNRESET');
    expect(c1).toMatchObject({ healthy: false, lastError: 'ECONNRESET' });
    expect(checked.rotation().map((upstream) => upstream.name)).toEqual(['c2']);
    // c1 still answers its health check: back in rotation, its error forgotten
    await waitFor(() => (c1?.healthy ? true : undefined), 10_000, 'c1 to pass its next check');
    expect(c1?.lastError).toBeUndefined();
  });

  it('counts a health check that gets no answer as failed', async () => {
    const checked = pool([await broken('mute', 'silent', 'silent'), await catalog('c1')], 150);
    await waitFor(() => (checked.upstreams[1]?.healthy ? true : undefined), 10_000, 'c1 to be healthy');
    await waitFor(() => checked.upstreams[0]?.lastError, 10_000, 'the silent check to fail');
    expect(checked.upstreams[0]).toMatchObject({ healthy: false, lastError: 'no answer within 150 ms' });
    expect(checked.rotation().map((upstream) => upstream.name)).toEqual(['c1']);
  });
});

describe('the gateway retrying on another upstream', () => {
  it('retries a read that got a 5xx on the next upstream, and says so in x-tries', async () => {
    const url = await gateway([await broken('failing', 'error'), await catalog('c1')]);
    const answers = await Promise.all([0, 1, 2, 3].map(() => request(`${url}/products`)));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.headers['x-upstream']).toBe('c1');
    }
    // Round robin starts half of them on the failing upstream: those took two tries.
    expect(answers.map((answer) => answer.headers['x-tries']).sort()).toEqual(['1', '1', '2', '2']);
  });

  it('retries a read whose upstream never answers once its try times out', async () => {
    const url = await gateway([await broken('hanging', 'silent'), await catalog('c1')]);
    const answers = await Promise.all([0, 1].map(() => request(`${url}/products`)));
    for (const answer of answers) expect(answer).toMatchObject({ status: 200, headers: { 'x-upstream': 'c1' } });
    expect(answers.map((answer) => answer.headers['x-tries']).sort()).toEqual(['1', '2']);
  });

  it('answers 502 with every try when each healthy upstream fails', async () => {
    const url = await gateway([await broken('failing-1', 'error'), await broken('failing-2', 'error')]);
    const answer = await request(`${url}/products`);
    expect(answer.status).toBe(502);
    expect(answer.body).toMatchObject({ error: 'every catalog upstream failed' });
    expect((answer.body as { tries: unknown[] }).tries).toEqual(
      expect.arrayContaining([
        { upstream: 'failing-1', status: 500 },
        { upstream: 'failing-2', status: 500 },
      ]),
    );
  });

  it('answers 413 to a body over 64 KiB without forwarding it', async () => {
    const url = await gateway([await catalog('c1')]);
    const answer = await request(`${url}/products`, { method: 'GET', body: 'x'.repeat(70_000) });
    expect(answer.status).toBe(413);
  });
});
