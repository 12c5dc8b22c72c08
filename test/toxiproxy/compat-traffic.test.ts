import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Toxiproxy } from 'toxiproxy-node-client';
import type { ICreateToxicBody, Proxy } from 'toxiproxy-node-client';
import { ProxyRegistry } from '../../src/proxy/registry.js';
import { createToxiproxyApp } from '../../src/toxiproxy/index.js';
import { serveOnLoopback } from './serve.js';
import type { Served } from './serve.js';
import { Client, echoServer, roundTrip } from './traffic.js';

/*
 * What Toxiproxy accepts and Firedrill once refused, over the real fault proxy with traffic from
 * an echo server on 127.0.0.1: it is accepted, and the link behaves sanely.
 */

let registry: ProxyRegistry;
let served: Served;
let echo: Awaited<ReturnType<typeof echoServer>>;
let toxiproxy: Toxiproxy;
const clients: Client[] = [];

beforeEach(async () => {
  registry = new ProxyRegistry();
  served = await serveOnLoopback(createToxiproxyApp({ proxies: registry }));
  echo = await echoServer();
  toxiproxy = new Toxiproxy(served.url);
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await served.close();
  await registry.close();
  await echo.close();
});

function client(address: string): Client {
  const opened = new Client(address);
  clients.push(opened);
  return opened;
}

async function post(path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${served.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: response.status, json: JSON.parse(await response.text()) as unknown };
}

async function addToxic(proxy: Proxy, body: Record<string, unknown>) {
  return proxy.addToxic(body as unknown as ICreateToxicBody<unknown>);
}

describe('Toxiproxy compatibility over the real fault proxy', () => {
  it('closes each connection to an upstream that does not resolve, cleanly, and carries traffic once the upstream is fixed', async () => {
    const proxy = await toxiproxy.createProxy({ name: 'later', listen: '127.0.0.1:0', upstream: 'no-such-host.invalid:12345' });
    const lost = client(proxy.listen);
    lost.socket.write('anyone?');
    await lost.ended;
    expect(await lost.closed).toBeUndefined(); // a FIN, not a reset
    expect(lost.total).toBe(0);
    const fixed = await proxy.update({ ...proxy.toJson(), upstream: echo.address });
    expect(fixed.upstream).toBe(echo.address);
    expect(await roundTrip(proxy.listen)).toBeGreaterThan(0);
  });

  it('makes a proxy without a listen address on a free loopback port, which carries traffic', async () => {
    const created = await post('/proxies', { name: 'anywhere', upstream: echo.address });
    expect(created).toMatchObject({ status: 201, json: { listen: expect.stringMatching(/^127\.0\.0\.1:\d+$/) } });
    expect(await roundTrip((created.json as { listen: string }).listen)).toBeGreaterThan(0);
  });

  it('shows a listen address given by host name as the IPv4 address it bound, as Toxiproxy does', async () => {
    const proxy = await toxiproxy.createProxy({ name: 'named', listen: 'localhost:0', upstream: echo.address });
    expect(proxy.listen).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('passes data untouched through a noop toxic', async () => {
    const proxy = await toxiproxy.createProxy({ name: 'echo', listen: '127.0.0.1:0', upstream: echo.address });
    await addToxic(proxy, { type: 'noop', stream: 'upstream' });
    await addToxic(proxy, { type: 'noop', name: 'down' });
    const payload = Buffer.alloc(64 * 1024, 'n');
    expect(await roundTrip(proxy.listen, payload)).toBeGreaterThan(0);
  });

  it('sends at once through a negative latency', async () => {
    const proxy = await toxiproxy.createProxy({ name: 'echo', listen: '127.0.0.1:0', upstream: echo.address });
    await addToxic(proxy, { type: 'latency', attributes: { latency: -1000, jitter: -10 } });
    expect(await roundTrip(proxy.listen)).toBeLessThan(500);
  });

  it('holds everything at a bandwidth rate of 0 until the toxic goes, then delivers it in order', async () => {
    const proxy = await toxiproxy.createProxy({ name: 'echo', listen: '127.0.0.1:0', upstream: echo.address });
    const toxic = await addToxic(proxy, { type: 'bandwidth', attributes: { rate: 0 } });
    const held = client(proxy.listen);
    held.socket.write('first ');
    held.socket.write('second');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(held.total).toBe(0);
    await toxic.remove();
    expect((await held.receive(12)).toString()).toBe('first second');
  });

  it('delivers everything intact, in small pieces, through a slicer whose size_variation is not below its average_size', async () => {
    const proxy = await toxiproxy.createProxy({ name: 'echo', listen: '127.0.0.1:0', upstream: echo.address });
    await addToxic(proxy, { type: 'slicer', attributes: { average_size: 64, size_variation: 100, delay: 0 } });
    const sliced = client(proxy.listen);
    const payload = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251));
    sliced.socket.write(payload);
    expect((await sliced.receive(payload.length)).equals(payload)).toBe(true);
    expect(sliced.reads).toBeGreaterThan(4096 / 128);
  });

  it("populates the entries before a malformed listen address, answering 500 with Go's error and the proxies it made, which carry traffic", async () => {
    const answer = await post('/populate', [
      { name: 'one', listen: '127.0.0.1:0', upstream: echo.address },
      { name: 'two', listen: 'local373', upstream: echo.address },
      { name: 'three', listen: '127.0.0.1:0', upstream: echo.address },
    ]);
    expect(answer).toMatchObject({
      status: 500,
      json: { error: 'listen tcp: address local373: missing port in address', status: 500, proxies: [{ name: 'one' }] },
    });
    expect(registry.list().map((p) => p.name)).toEqual(['one']);
    expect(await roundTrip((answer.json as { proxies: { listen: string }[] }).proxies[0]?.listen ?? '')).toBeGreaterThan(0);
  });
});
