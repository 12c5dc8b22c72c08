import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Toxiproxy } from 'toxiproxy-node-client';
import type { ICreateToxicBody, Proxy } from 'toxiproxy-node-client';
import { ProxyRegistry } from '../../src/proxy/registry.js';
import { createToxiproxyApp } from '../../src/toxiproxy/index.js';
import { serveOnLoopback } from './serve.js';
import type { Served } from './serve.js';
import { Ports, goListenError } from './ports.js';
import { Client, echoServer, refused, roundTrip, since } from './traffic.js';

/*
 * The published toxiproxy-node-client drives the API on a real socket, over the real fault
 * proxy, and real traffic from an echo server on 127.0.0.1 shows each toxic's effect. Timings
 * are lower bounds only (a few ms of slack for timer rounding): this machine is shared and slow.
 */

const SLACK_MS = 10;

let registry: ProxyRegistry;
let served: Served;
let echo: Awaited<ReturnType<typeof echoServer>>;
let toxiproxy: Toxiproxy;
const clients: Client[] = [];
const ports = new Ports();

beforeEach(async () => {
  registry = new ProxyRegistry();
  served = await serveOnLoopback(createToxiproxyApp({ proxies: registry, version: '2.12.0-firedrill' }));
  echo = await echoServer();
  toxiproxy = new Toxiproxy(served.url);
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await ports.release();
  await served.close();
  await registry.close();
  await echo.close();
});

async function echoProxy(name = 'echo'): Promise<Proxy> {
  return toxiproxy.createProxy({ name, listen: '127.0.0.1:0', upstream: echo.address });
}

function client(address: string): Client {
  const opened = new Client(address);
  clients.push(opened);
  return opened;
}

/** Adds a toxic through the client; the Toxiproxy body, typed loosely as test suites write it. */
async function addToxic(proxy: Proxy, body: Record<string, unknown>) {
  return proxy.addToxic(body as unknown as ICreateToxicBody<unknown>);
}

describe('toxiproxy-node-client over the real fault proxy', () => {
  it('creates a proxy that carries traffic to its upstream on the port it shows', async () => {
    const proxy = await echoProxy();
    expect(proxy.listen).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    expect(proxy.upstream).toBe(echo.address);
    expect(await roundTrip(proxy.listen, Buffer.from('hello through firedrill'))).toBeGreaterThan(0);
  });

  it('latency delays the answer by at least its latency, and removing it ends the delay', async () => {
    const proxy = await echoProxy();
    const toxic = await addToxic(proxy, { type: 'latency', attributes: { latency: 300, jitter: 0 } });
    expect(registry.get('echo')?.toxics[0]?.attributes).toEqual({ type: 'latency', latencyMs: 300, jitterMs: 0 });
    expect(await roundTrip(proxy.listen)).toBeGreaterThanOrEqual(300 - SLACK_MS);
    await toxic.remove();
    expect(registry.get('echo')?.toxics).toEqual([]);
    // Well under the 300 ms it would take had the delay stayed.
    expect(await roundTrip(proxy.listen)).toBeLessThan(150);
  });

  it('latency added while a connection is open applies to it too', async () => {
    const proxy = await echoProxy();
    const open = client(proxy.listen);
    open.socket.write('a');
    await open.receive(1);
    await addToxic(proxy, { type: 'latency', attributes: { latency: 150 } });
    const start = performance.now();
    open.socket.write('b');
    await open.receive(2);
    expect(since(start)).toBeGreaterThanOrEqual(150 - SLACK_MS);
  });

  it('bandwidth holds 50 KB to at least 0.4 s at 100 KB/s, and removing it ends the hold', async () => {
    const proxy = await echoProxy();
    const toxic = await addToxic(proxy, { type: 'bandwidth', attributes: { rate: 100 } });
    // 50,000 bytes at 100,000 B/s is 500 ms; the bucket lets a 20 ms burst through at once.
    expect(await roundTrip(proxy.listen, Buffer.alloc(50_000, 7))).toBeGreaterThanOrEqual(400);
    await toxic.remove();
    // Half of what the same transfer took with the toxic: the rate no longer applies.
    expect(await roundTrip(proxy.listen, Buffer.alloc(50_000, 7))).toBeLessThan(200);
  });

  it('slow_close holds the close of the connection for its delay', async () => {
    const proxy = await echoProxy();
    await addToxic(proxy, { type: 'slow_close', attributes: { delay: 300 } });
    const open = client(proxy.listen);
    open.socket.write('bye');
    await open.receive(3);
    const start = performance.now();
    open.socket.end(); // the echo server answers with its own FIN, which the toxic holds
    await open.ended;
    expect(since(start)).toBeGreaterThanOrEqual(300 - SLACK_MS);
  });

  it('timeout drops the data and closes the connection after its timeout', async () => {
    const proxy = await echoProxy();
    await addToxic(proxy, { type: 'timeout', attributes: { timeout: 250 } });
    const start = performance.now();
    const open = client(proxy.listen);
    open.socket.write('lost');
    await open.ended;
    expect(since(start)).toBeGreaterThanOrEqual(250 - SLACK_MS);
    expect(open.total).toBe(0);
  });

  it('timeout 0 never closes: nothing comes back until the toxic is removed', async () => {
    const proxy = await echoProxy();
    const toxic = await addToxic(proxy, { type: 'timeout', attributes: { timeout: 0 } });
    expect(registry.get('echo')?.toxics[0]?.attributes).toEqual({ type: 'blackhole' });
    const open = client(proxy.listen);
    open.socket.write('lost');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(open.total).toBe(0);
    expect(open.socket.closed).toBe(false);
    await toxic.remove();
    expect(await roundTrip(proxy.listen)).toBeGreaterThan(0);
  });

  it('reset_peer resets the connection after its timeout', async () => {
    const proxy = await echoProxy();
    await addToxic(proxy, { type: 'reset_peer', attributes: { timeout: 150 } });
    const start = performance.now();
    const open = client(proxy.listen);
    open.socket.write('x');
    expect(await open.closed).toBe('ECONNRESET');
    expect(since(start)).toBeGreaterThanOrEqual(150 - SLACK_MS);
  });

  it('slicer cuts the answer into pieces with a delay between them', async () => {
    const proxy = await echoProxy();
    // 200 bytes in slices of 20, 10 ms (10,000 µs) apart: 9 gaps, at least 90 ms.
    await addToxic(proxy, { type: 'slicer', attributes: { average_size: 20, size_variation: 0, delay: 10_000 } });
    const start = performance.now();
    const open = client(proxy.listen);
    open.socket.write(Buffer.alloc(200, 1));
    await open.receive(200);
    expect(since(start)).toBeGreaterThanOrEqual(90 - SLACK_MS);
    expect(open.reads).toBeGreaterThan(1);
  });

  it('limit_data closes the connection once its bytes have passed', async () => {
    const proxy = await echoProxy();
    await addToxic(proxy, { type: 'limit_data', attributes: { bytes: 50 } });
    const open = client(proxy.listen);
    open.socket.write(Buffer.alloc(100, 2));
    await open.ended;
    expect(open.total).toBe(50);
  });

  it('a disabled proxy refuses connections and closes open ones; enabled again, it listens on the same port', async () => {
    const proxy = await echoProxy();
    const open = client(proxy.listen);
    open.socket.write('a');
    await open.receive(1);

    const down = await proxy.update({ ...proxy.toJson(), enabled: false });
    expect(down.enabled).toBe(false);
    await open.closed;
    expect(await refused(proxy.listen)).toBe(true);

    const up = await down.update({ ...down.toJson(), enabled: true });
    expect(up).toMatchObject({ enabled: true, listen: proxy.listen });
    expect(await roundTrip(proxy.listen)).toBeGreaterThan(0);
  });

  it('populate creates proxies that carry traffic, and populating again changes nothing', async () => {
    const list = [
      { name: 'one', listen: '127.0.0.1:0', upstream: echo.address },
      { name: 'two', listen: '127.0.0.1:0', upstream: echo.address },
    ];
    const first = await toxiproxy.populate(list);
    const again = await toxiproxy.populate(list);
    expect(Object.values(again).map((p) => p.listen)).toEqual(Object.values(first).map((p) => p.listen));
    for (const proxy of Object.values(again)) expect(await roundTrip(proxy.listen)).toBeGreaterThan(0);
  });

  it('reset enables every proxy and removes every toxic', async () => {
    const proxy = await echoProxy();
    await addToxic(proxy, { type: 'timeout', attributes: { timeout: 0 } });
    await proxy.update({ ...proxy.toJson(), enabled: false });
    await toxiproxy.reset();
    expect(registry.get('echo')).toMatchObject({ enabled: true, toxics: [] });
    expect(await roundTrip(proxy.listen)).toBeGreaterThan(0);
  });

  it('answers the version', async () => {
    expect(JSON.parse(await toxiproxy.getVersion())).toEqual({ version: '2.12.0-firedrill' });
  });

  it('rejects 404 for an unknown proxy or toxic, 409 for a duplicate, 400 for a bad toxic, and adds nothing', async () => {
    const proxy = await echoProxy();
    await expect(toxiproxy.get('nope')).rejects.toThrow('status code 404');
    await expect(proxy.getToxic('nope')).rejects.toThrow('status code 404');
    await expect(echoProxy()).rejects.toThrow('status code 409');
    await addToxic(proxy, { type: 'latency', attributes: { latency: 1 } });
    await expect(addToxic(proxy, { type: 'latency', attributes: { latency: 1 } })).rejects.toThrow('status code 409');
    for (const bad of [
      { type: 'explode' },
      { type: 'latency', name: 'half', attributes: { latency: 0.5 } },
      { type: 'slicer', attributes: { average_size: 'big' } },
    ]) {
      await expect(addToxic(proxy, bad), JSON.stringify(bad)).rejects.toThrow('status code 400');
    }
    expect(registry.get('echo')?.toxics.map((t) => t.id)).toEqual(['latency_downstream']);
  });

  it('takes what Toxiproxy takes and the fault proxy would refuse, clamped: a zero rate, a wide slicer, a day-long latency, a host that does not resolve', async () => {
    await echoProxy();
    const post = async (path: string, body: unknown) =>
      (await fetch(`${served.url}${path}`, { method: 'POST', body: JSON.stringify(body) })).status;
    expect(await post('/proxies/echo/toxics', { type: 'bandwidth', attributes: { rate: 0 } })).toBe(200);
    expect(await post('/proxies/echo/toxics', { type: 'slicer', attributes: { average_size: 10, size_variation: 12 } })).toBe(200);
    expect(await post('/proxies/echo/toxics', { type: 'latency', name: 'long', attributes: { latency: 90_000_000 } })).toBe(200);
    expect(await post('/proxies', { name: 'nowhere', listen: '127.0.0.1:0', upstream: 'no-such-host.invalid:80' })).toBe(201);
    expect(registry.get('echo')?.toxics.map((t) => t.attributes)).toEqual([
      { type: 'latency', latencyMs: 86_400_000, jitterMs: 0 },
      { type: 'slicer', averageSize: 10, sizeVariation: 9, delayUs: 0 },
      { type: 'latency', latencyMs: 86_400_000, jitterMs: 0 },
    ]);
  });

  it("answers Go's listen error with 500 when the listen address is taken, and creates nothing", async () => {
    const { address: taken, error } = await ports.occupy();
    const response = await fetch(`${served.url}/proxies`, {
      method: 'POST',
      body: JSON.stringify({ name: 'clash', listen: taken, upstream: echo.address }),
    });
    expect(response.status).toBe(500);
    expect(await response.text()).toBe(`${JSON.stringify({ error: goListenError(error), status: 500 })}\n`);
    expect(registry.list()).toEqual([]);
    await expect(toxiproxy.createProxy({ name: 'clash', listen: taken, upstream: echo.address })).rejects.toThrow('status code 500');
  });
});
