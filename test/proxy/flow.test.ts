import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ToxicAttributes } from '../../src/proxy/api.js';
import { Lab, sleep, spec } from './helpers.js';

const lab = new Lab();
afterEach(async () => {
  await lab.cleanup();
});

/** An upstream that writes as fast as its socket accepts; `sent()` is what it managed to hand over. */
async function firehose(): Promise<{ port: number; sent: () => number }> {
  let sent = 0;
  const block = Buffer.alloc(64 * 1024, 1);
  const port = await lab.server((socket: Socket) => {
    const pump = () => {
      while (!socket.destroyed && socket.write(block)) sent += block.length;
      if (!socket.destroyed) sent += block.length;
    };
    socket.on('drain', pump);
    pump();
  });
  return { port, sent: () => sent };
}

describe('backpressure', () => {
  const cases: [string, ToxicAttributes | undefined][] = [
    ['on the direct path', undefined],
    ['through a latency toxic', { type: 'latency', latencyMs: 1, jitterMs: 0 }],
    ['through a slicer toxic', { type: 'slicer', averageSize: 60_000, sizeVariation: 0, delayUs: 0 }],
  ];
  for (const [where, attributes] of cases) {
    it(`pauses the upstream while the client does not read, ${where}`, async () => {
      const upstream = await firehose();
      const port = await lab.proxy(upstream.port);
      if (attributes) lab.proxies.addToxic('p', spec('t', attributes));
      const client = await lab.connect(port);
      client.socket.pause();
      await sleep(500);
      // Kernel buffers on three sockets plus the proxy's own bound hold a few MB; without
      // backpressure the proxy would have read hundreds of MB by now.
      const stalled = upstream.sent();
      expect(stalled).toBeLessThan(48 * 1024 * 1024);
      await sleep(200);
      expect(upstream.sent() - stalled).toBeLessThan(4 * 1024 * 1024);
      if (attributes) await lab.proxies.removeToxic('p', 't');
      client.socket.resume();
      await client.take(stalled + 1024 * 1024);
    });
  }
});

describe('HTTP toxics leaving a connection', () => {
  it('reads an answered request to its end before leaving, so the upstream never sees half a request', async () => {
    const upstream = await lab.http();
    const port = await lab.proxy(upstream.port);
    lab.proxies.addToxic('p', spec('abort', { type: 'http-abort', status: 503, percent: 100, match: {} }));
    const client = await lab.connect(port);
    client.socket.write('POST /half HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n12345');
    await sleep(50);
    let removed = false;
    const removal = lab.proxies.removeToxic('p', 'abort').then(() => (removed = true));
    await sleep(50);
    expect(removed).toBe(false);
    client.socket.write('67890');
    await removal;
    client.socket.write('GET /next HTTP/1.1\r\nHost: t\r\n\r\n');
    await until(() => client.pending().includes('upstream /next'));
    expect(client.pending().toString()).toMatch(
      /^HTTP\/1\.1 503 Service Unavailable\r\n[^]*\r\n\r\nHTTP\/1\.1 200 OK\r\n[^]*upstream \/next$/,
    );
    expect(upstream.seen.map((r) => r.url)).toEqual(['/next']);
  });

  it('answers a request waiting for 100-continue at once and closes, since its body may never come', async () => {
    const upstream = await lab.http();
    const port = await lab.proxy(upstream.port);
    lab.proxies.addToxic('p', spec('abort', { type: 'http-abort', status: 413, percent: 100, match: {} }));
    const client = await lab.connect(port);
    client.socket.write('PUT /big HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n');
    await client.ended;
    expect(client.pending().toString()).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n[^]*Connection: close\r\n\r\n$/);
    client.socket.end();
    await lab.proxies.removeToxic('p', 'abort');
    expect(upstream.seen).toEqual([]);
    const after = await lab.connect(port);
    after.socket.write('GET /after HTTP/1.1\r\nHost: t\r\n\r\n');
    await until(() => after.pending().includes('upstream /after'));
  });
});

async function until(check: () => boolean): Promise<void> {
  while (!check()) await sleep(5);
}
