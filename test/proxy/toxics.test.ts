import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { Peer } from './helpers.js';
import { Lab, connectError, elapsedSince, sleep, spec } from './helpers.js';

const lab = new Lab();
afterEach(async () => {
  await lab.cleanup();
});

/** Sends a random payload and expects it back intact: the link works normally. */
async function expectEcho(client: Peer): Promise<void> {
  const payload = randomBytes(1000);
  client.socket.write(payload);
  expect((await client.take(payload.length)).equals(payload)).toBe(true);
}

/** One echo of a random payload on an open connection: the milliseconds it took. */
async function timedEcho(client: Peer): Promise<number> {
  const start = performance.now();
  await expectEcho(client);
  return elapsedSince(start);
}

/** An upstream that answers `go` with `block`. */
async function blockServer(block: Buffer): Promise<number> {
  return lab.server((socket) => socket.on('data', () => socket.write(block)));
}

describe('latency', () => {
  it('delays every round trip by at least latencyMs, and once removed the next one is well under it', async () => {
    const client = await lab.connect(await lab.proxy(await lab.echo()));
    lab.proxies.addToxic('p', spec('slow', { type: 'latency', latencyMs: 300, jitterMs: 0 }));
    for (let i = 0; i < 2; i++) expect(await timedEcho(client)).toBeGreaterThanOrEqual(290);
    await lab.proxies.removeToxic('p', 'slow');
    // Had the delay stayed, this round trip would take 300 ms again.
    expect(await timedEcho(client)).toBeLessThan(150);
  });

  it('with jitter, delays by at least latencyMs - jitterMs and keeps chunks in order; removed, the delay is gone', async () => {
    const client = await lab.connect(await lab.proxy(await lab.echo()));
    lab.proxies.addToxic('p', spec('jitter', { type: 'latency', latencyMs: 300, jitterMs: 100 }, 'upstream'));
    const start = performance.now();
    for (let i = 0; i < 50; i++) {
      client.socket.write(`${String(i).padStart(3, '0')};`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const echoed = (await client.take(200)).toString();
    expect(elapsedSince(start)).toBeGreaterThanOrEqual(199);
    expect(echoed).toBe(Array.from({ length: 50 }, (_, i) => `${String(i).padStart(3, '0')};`).join(''));
    await lab.proxies.removeToxic('p', 'jitter');
    // At least 200 ms had the toxic stayed.
    expect(await timedEcho(client)).toBeLessThan(150);
  });
});

describe('bandwidth', () => {
  it('takes at least 1.5 s to carry 200 KB at 100 KB/s, and carries everything once removed', async () => {
    const block = randomBytes(200_000);
    const port = await lab.proxy(await blockServer(block));
    lab.proxies.addToxic('p', spec('thin', { type: 'bandwidth', rateKBps: 100 }));
    const client = await lab.connect(port);
    const start = performance.now();
    client.socket.write('go');
    expect((await client.take(block.length)).equals(block)).toBe(true);
    expect(elapsedSince(start)).toBeGreaterThanOrEqual(1500);

    // At 1 KB/s this block would take 200 s: it arrives within the test only because the toxic is gone.
    lab.proxies.updateToxic('p', spec('thin', { type: 'bandwidth', rateKBps: 1 }));
    await lab.proxies.removeToxic('p', 'thin');
    client.socket.write('go');
    expect((await client.take(block.length)).equals(block)).toBe(true);
  });
});

describe('blackhole', () => {
  it('drops what is sent while present; once removed, data flows again', async () => {
    const client = await lab.connect(await lab.proxy(await lab.echo()));
    lab.proxies.addToxic('p', spec('hole', { type: 'blackhole' }, 'upstream'));
    client.socket.write('lost');
    await sleep(200);
    expect(client.total).toBe(0);
    await lab.proxies.removeToxic('p', 'hole');
    client.socket.write('found');
    expect((await client.take(5)).toString()).toBe('found');
  });

  it('closes the connection closeAfterMs after meeting it', async () => {
    const port = await lab.proxy(await lab.echo());
    lab.proxies.addToxic('p', spec('timeout', { type: 'blackhole', closeAfterMs: 300 }, 'both'));
    const client = await lab.connect(port);
    const start = performance.now();
    client.socket.write('lost');
    await client.gone();
    expect(elapsedSince(start)).toBeGreaterThanOrEqual(290);
    expect(client.total).toBe(0);
    await lab.proxies.removeToxic('p', 'timeout');
    await expectEcho(await lab.connect(port));
  });
});

describe('reset', () => {
  it('resets the connection after delayMs: the client sees ECONNRESET', async () => {
    const port = await lab.proxy(await lab.echo());
    lab.proxies.addToxic('p', spec('rst', { type: 'reset', delayMs: 100 }));
    const client = await lab.connect(port);
    const start = performance.now();
    await expectEcho(client);
    expect((await client.closed)?.code).toBe('ECONNRESET');
    expect(elapsedSince(start)).toBeGreaterThanOrEqual(95);
    await lab.proxies.removeToxic('p', 'rst');
    await expectEcho(await lab.connect(port));
  });
});

describe('slicer', () => {
  it('delivers a block intact in many small reads, and in a few once removed', async () => {
    const block = randomBytes(20_000);
    const client = await lab.connect(await lab.proxy(await blockServer(block)));
    lab.proxies.addToxic('p', spec('slices', { type: 'slicer', averageSize: 100, sizeVariation: 50, delayUs: 1000 }));
    client.socket.write('go');
    expect((await client.take(block.length)).equals(block)).toBe(true);
    // At most 150 bytes a slice, 1 ms apart: well over a hundred writes; reads may merge a few.
    expect(client.reads).toBeGreaterThanOrEqual(40);
    await lab.proxies.removeToxic('p', 'slices');
    const before = client.reads;
    client.socket.write('go');
    expect((await client.take(block.length)).equals(block)).toBe(true);
    // Sliced, it would take 40 reads or more again.
    expect(client.reads - before).toBeLessThanOrEqual(5);
  });
});

describe('limit-data', () => {
  it('closes the connection after exactly `bytes` bytes, and lets everything through once removed', async () => {
    const block = randomBytes(100_000);
    const port = await lab.proxy(await blockServer(block));
    lab.proxies.addToxic('p', spec('cap', { type: 'limit-data', bytes: 10_000 }));
    const client = await lab.connect(port);
    client.socket.write('go');
    await client.gone();
    expect(client.total).toBe(10_000);
    expect(client.pending().equals(block.subarray(0, 10_000))).toBe(true);

    await lab.proxies.removeToxic('p', 'cap');
    const again = await lab.connect(port);
    again.socket.write('go');
    expect((await again.take(block.length)).equals(block)).toBe(true);
  });
});

describe('slow-close', () => {
  it('holds the FIN at least delayMs', async () => {
    const port = await lab.proxy(await lab.server((socket) => socket.once('data', () => socket.end('bye'))));
    lab.proxies.addToxic('p', spec('linger', { type: 'slow-close', delayMs: 400 }));
    const client = await lab.connect(port);
    const start = performance.now();
    client.socket.write('x');
    await client.ended;
    expect(elapsedSince(start)).toBeGreaterThanOrEqual(399);
    expect(client.pending().toString()).toBe('bye');

    // Held a minute, the FIN of a new connection arrives within the test only because the toxic is gone.
    lab.proxies.updateToxic('p', spec('linger', { type: 'slow-close', delayMs: 60_000 }));
    await lab.proxies.removeToxic('p', 'linger');
    const after = await lab.connect(port);
    after.socket.write('x');
    await after.ended;
    expect(after.pending().toString()).toBe('bye');
  });

  it('sends a held FIN at once when removed', async () => {
    const port = await lab.proxy(await lab.server((socket) => socket.once('data', () => socket.end('bye'))));
    lab.proxies.addToxic('p', spec('linger', { type: 'slow-close', delayMs: 60_000 }));
    const client = await lab.connect(port);
    client.socket.write('x');
    expect((await client.take(3)).toString()).toBe('bye');
    await lab.proxies.removeToxic('p', 'linger');
    await client.ended;
  });
});

describe('down (enabled: false)', () => {
  it('closes open connections and refuses new ones, then serves again on the same address', async () => {
    const port = await lab.proxy(await lab.echo());
    const client = await lab.connect(port);
    await expectEcho(client);

    const down = await lab.proxies.update('p', { enabled: false });
    expect(down.enabled).toBe(false);
    await client.gone();
    expect(await connectError(port)).toBe('ECONNREFUSED');

    const up = await lab.proxies.update('p', { enabled: true });
    expect(up.address).toBe(`127.0.0.1:${port}`);
    await expectEcho(await lab.connect(port));
  });
});
