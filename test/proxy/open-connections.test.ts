import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { Peer } from './helpers.js';
import { Lab, elapsedSince, sleep, spec } from './helpers.js';

const lab = new Lab();
afterEach(async () => {
  await lab.cleanup();
});

async function expectEcho(client: Peer): Promise<void> {
  const payload = randomBytes(1000);
  client.socket.write(payload);
  expect((await client.take(payload.length)).equals(payload)).toBe(true);
}

const numbered = (count: number) => Array.from({ length: count }, (_, i) => `m${String(i).padStart(4, '0')};`);

describe('toxics and connections that are already open', () => {
  it('applies a toxic added while a connection is open to that connection at once (Toxiproxy #148)', async () => {
    const client = await lab.connect(await lab.proxy(await lab.echo()));
    await expectEcho(client);
    lab.proxies.addToxic('p', spec('late', { type: 'latency', latencyMs: 250, jitterMs: 0 }, 'upstream'));
    const start = performance.now();
    client.socket.write('ping');
    expect((await client.take(4)).toString()).toBe('ping');
    expect(elapsedSince(start)).toBeGreaterThanOrEqual(249);
    await lab.proxies.removeToxic('p', 'late');
    await expectEcho(client);
  });

  it('delivers every chunk a latency toxic holds, in order, when it is removed', async () => {
    const client = await lab.connect(await lab.proxy(await lab.echo()));
    lab.proxies.addToxic('p', spec('minute', { type: 'latency', latencyMs: 60_000, jitterMs: 0 }, 'upstream'));
    const messages = numbered(200);
    for (const message of messages) {
      client.socket.write(message);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await sleep(100);
    expect(client.total).toBe(0);

    await lab.proxies.removeToxic('p', 'minute');
    const expected = messages.join('');
    expect((await client.take(expected.length)).toString()).toBe(expected);
    await expectEcho(client);
    expect(lab.proxies.get('p')?.toxics).toEqual([]);
  });

  it('keeps data in order when a toxic between others is removed', async () => {
    const client = await lab.connect(await lab.proxy(await lab.echo()));
    lab.proxies.addToxic('p', spec('first', { type: 'slicer', averageSize: 3, sizeVariation: 1, delayUs: 0 }, 'upstream'));
    lab.proxies.addToxic('p', spec('held', { type: 'latency', latencyMs: 60_000, jitterMs: 0 }, 'upstream'));
    lab.proxies.addToxic('p', spec('last', { type: 'latency', latencyMs: 20, jitterMs: 20 }, 'upstream'));
    const messages = numbered(100);
    for (const message of messages) client.socket.write(message);
    await sleep(100);
    await lab.proxies.removeToxic('p', 'held');
    const expected = messages.join('');
    expect((await client.take(expected.length)).toString()).toBe(expected);
    await Promise.all(['first', 'last'].map((id) => lab.proxies.removeToxic('p', id)));
    await expectEcho(client);
  });

  it('leaves a connection alone when the toxicity draw says no', async () => {
    const client = await lab.connect(await lab.proxy(await lab.echo()));
    lab.proxies.addToxic('p', spec('never', { type: 'latency', latencyMs: 60_000, jitterMs: 0 }, 'both', 0));
    await expectEcho(client);
    await lab.proxies.removeToxic('p', 'never');
    await expectEcho(client);
  });

  it('draws toxicity once per connection: a connection the toxic spared stays spared', async () => {
    const port = await lab.proxy(await lab.echo());
    const clients = await Promise.all(Array.from({ length: 40 }, () => lab.connect(port)));
    lab.proxies.addToxic('p', spec('half', { type: 'latency', latencyMs: 60_000, jitterMs: 0 }, 'upstream', 0.5));
    for (const client of clients) client.socket.write('1');
    await sleep(200);
    const spared = clients.filter((client) => client.total === 1);
    // Both outcomes occur among 40 draws (the odds against are 2 in a trillion).
    expect(spared.length).toBeGreaterThan(0);
    expect(spared.length).toBeLessThan(clients.length);
    for (const client of spared) client.socket.write('2');
    await sleep(100);
    expect(spared.map((client) => client.total)).toEqual(spared.map(() => 2));
    expect(clients.filter((client) => client.total === 0)).toHaveLength(clients.length - spared.length);

    await lab.proxies.removeToxic('p', 'half');
    // Held chunks are delivered on removal; spared clients already had both of theirs.
    for (const client of clients)
      expect((await client.take(spared.includes(client) ? 2 : 1)).toString()).toBe(spared.includes(client) ? '12' : '1');
    for (const client of clients) await expectEcho(client);
  });

  it('applies toxics on one link in the order they were added', async () => {
    const port = await lab.proxy(await lab.echo());
    // A blackhole before limit-data: limit-data never sees a byte and never closes.
    lab.proxies.addToxic('p', spec('hole', { type: 'blackhole' }, 'upstream'));
    lab.proxies.addToxic('p', spec('cap', { type: 'limit-data', bytes: 2 }, 'upstream'));
    const first = await lab.connect(port);
    first.socket.write('12345');
    await sleep(100);
    expect(first.isClosed || first.socket.readableEnded).toBe(false);
    await Promise.all(['hole', 'cap'].map((id) => lab.proxies.removeToxic('p', id)));
    await expectEcho(first);

    // limit-data before the blackhole sees the bytes first and closes the connection.
    lab.proxies.addToxic('p', spec('cap', { type: 'limit-data', bytes: 2 }, 'upstream'));
    lab.proxies.addToxic('p', spec('hole', { type: 'blackhole' }, 'upstream'));
    const second = await lab.connect(port);
    second.socket.write('12345');
    await second.gone();
    await Promise.all(['hole', 'cap'].map((id) => lab.proxies.removeToxic('p', id)));
    await expectEcho(await lab.connect(port));
  });

  it('delays each direction with a toxic on both streams', async () => {
    const client = await lab.connect(await lab.proxy(await lab.echo()));
    lab.proxies.addToxic('p', spec('both', { type: 'latency', latencyMs: 100, jitterMs: 0 }, 'both'));
    const start = performance.now();
    client.socket.write('ping');
    await client.take(4);
    expect(elapsedSince(start)).toBeGreaterThanOrEqual(199);
    await lab.proxies.removeToxic('p', 'both');
    await expectEcho(client);
  });

  it('applies an updated toxic to open connections, in place or replaced by another type', async () => {
    const client = await lab.connect(await lab.proxy(await lab.echo()));
    lab.proxies.addToxic('p', spec('t', { type: 'latency', latencyMs: 10, jitterMs: 0 }, 'upstream'));
    await expectEcho(client);
    lab.proxies.updateToxic('p', spec('t', { type: 'latency', latencyMs: 300, jitterMs: 0 }, 'upstream'));
    let start = performance.now();
    client.socket.write('ping');
    await client.take(4);
    expect(elapsedSince(start)).toBeGreaterThanOrEqual(299);

    const info = lab.proxies.updateToxic('p', spec('t', { type: 'slow-close', delayMs: 300 }, 'downstream'));
    expect(info.toxics).toEqual([spec('t', { type: 'slow-close', delayMs: 300 }, 'downstream')]);
    start = performance.now();
    client.socket.end();
    await client.ended;
    expect(elapsedSince(start)).toBeGreaterThanOrEqual(299);
    await lab.proxies.removeToxic('p', 't');
    expect(lab.proxies.get('p')?.toxics).toEqual([]);
  });
});
