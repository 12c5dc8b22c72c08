import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Peer } from './helpers.js';
import { Lab, elapsedSince, sleep, spec } from './helpers.js';

const lab = new Lab();
let agent: Agent;
beforeEach(() => {
  // One keep-alive connection: every request of a test travels on the same socket.
  agent = new Agent({ keepAlive: true, maxSockets: 1 });
});
afterEach(async () => {
  agent.destroy();
  await lab.cleanup();
});

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly connection: string | undefined;
  /** The client's local port: the same value means the same TCP connection. */
  readonly localPort: number;
}

function send(
  port: number,
  path: string,
  options: { method?: string; headers?: OutgoingHttpHeaders; body?: string[] } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          connection: res.headers.connection,
          localPort: req.socket?.localPort ?? 0,
        }),
      );
    });
    req.on('error', reject);
    for (const part of options.body ?? []) req.write(part);
    req.end();
  });
}

/** Reads `count` responses (each with a Content-Length) off a raw socket. */
async function responses(client: Peer, count: number): Promise<{ status: number; body: string }[]> {
  const out: { status: number; body: string }[] = [];
  let buffer = Buffer.alloc(0);
  while (out.length < count) {
    const end = buffer.indexOf('\r\n\r\n');
    if (end < 0) {
      buffer = Buffer.concat([buffer, await client.take(1)]);
      continue;
    }
    const head = buffer.subarray(0, end).toString();
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
    const body = Buffer.concat([buffer.subarray(end + 4), await client.take(Math.max(0, length - (buffer.length - end - 4)))]);
    out.push({ status: Number(head.split(' ')[1]), body: body.subarray(0, length).toString() });
    buffer = body.subarray(length);
  }
  return out;
}

describe('http-abort', () => {
  it('answers every request on a keep-alive connection itself, then lets the same connection reach the upstream once removed', async () => {
    const upstream = await lab.http();
    const port = await lab.proxy(upstream.port);
    const first = await send(port, '/before');
    expect(first).toMatchObject({ status: 200, body: 'upstream /before' });

    // The connection is open and idle: the toxic starts at its next request.
    lab.proxies.addToxic('p', spec('abort', { type: 'http-abort', status: 503, percent: 100, match: {}, body: 'drill' }));
    for (let i = 0; i < 5; i++) {
      const reply = await send(port, `/during/${i}`, { method: i % 2 ? 'POST' : 'GET', body: i % 2 ? ['payload'] : [] });
      expect(reply).toMatchObject({ status: 503, body: 'drill', connection: 'keep-alive', localPort: first.localPort });
    }
    expect(upstream.seen.map((r) => r.url)).toEqual(['/before']);

    await lab.proxies.removeToxic('p', 'abort');
    const after = await send(port, '/after');
    expect(after).toMatchObject({ status: 200, body: 'upstream /after', localPort: first.localPort });
    expect(upstream.seen.map((r) => r.url)).toEqual(['/before', '/after']);
    expect(upstream.seen[1]?.remotePort).toBe(upstream.seen[0]?.remotePort);
  });

  it('answers only the requests that match method, path prefix and header; bodies of answered requests are consumed', async () => {
    const upstream = await lab.http();
    const port = await lab.proxy(upstream.port);
    lab.proxies.addToxic(
      'p',
      spec('teapot', {
        type: 'http-abort',
        status: 418,
        percent: 100,
        match: { method: 'post', pathPrefix: '/api', headers: { 'X-Drill': 'on' } },
      }),
    );
    const drill = { 'x-drill': 'on' };
    const chunked = await send(port, '/api/chunked', { method: 'POST', headers: drill, body: ['one,', 'two,', 'three'] });
    expect(chunked.status).toBe(418);
    const sized = await send(port, '/api/sized', { method: 'POST', headers: { ...drill, 'content-length': '5' }, body: ['12345'] });
    expect(sized.status).toBe(418);
    expect((await send(port, '/api/x', { headers: drill })).status).toBe(200);
    expect((await send(port, '/other', { method: 'POST', headers: drill, body: ['a'] })).status).toBe(200);
    expect((await send(port, '/api/x', { method: 'POST', headers: { 'x-drill': 'off' }, body: ['b'] })).status).toBe(200);
    expect(upstream.seen.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual(['GET /api/x ', 'POST /other a', 'POST /api/x b']);

    await lab.proxies.removeToxic('p', 'teapot');
    expect((await send(port, '/api/x', { method: 'POST', headers: drill, body: ['c'] })).status).toBe(200);
  });

  it('answers pipelined requests in request order', async () => {
    const upstream = await lab.http();
    const port = await lab.proxy(upstream.port);
    lab.proxies.addToxic('p', spec('abort', { type: 'http-abort', status: 503, percent: 100, match: { pathPrefix: '/abort' } }));
    const client = await lab.connect(port);
    const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`;
    client.socket.write(get('/a') + get('/abort/b') + get('/c') + get('/abort/d'));
    expect(await responses(client, 4)).toEqual([
      { status: 200, body: 'upstream /a' },
      { status: 503, body: '' },
      { status: 200, body: 'upstream /c' },
      { status: 503, body: '' },
    ]);
    await lab.proxies.removeToxic('p', 'abort');
    client.socket.write(get('/abort/e'));
    expect(await responses(client, 1)).toEqual([{ status: 200, body: 'upstream /abort/e' }]);
  });

  it('answers a request that asked to close with Connection: close, then closes', async () => {
    const upstream = await lab.http();
    const port = await lab.proxy(upstream.port);
    lab.proxies.addToxic('p', spec('abort', { type: 'http-abort', status: 500, percent: 100, match: {} }));
    const client = await lab.connect(port);
    client.socket.write('GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n');
    await client.ended;
    expect(client.pending().toString()).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n[^]*Connection: close\r\n\r\n$/);
    await lab.proxies.removeToxic('p', 'abort');
    expect((await send(port, '/')).status).toBe(200);
  });

  it('passes traffic that is not HTTP untouched', async () => {
    const port = await lab.proxy(await lab.echo());
    lab.proxies.addToxic('p', spec('abort', { type: 'http-abort', status: 503, percent: 100, match: {} }));
    const client = await lab.connect(port);
    const payloads = [
      Buffer.from('HELLO there\r\n\r\n'),
      randomBytes(64 * 1024),
      Buffer.from('GET key\r\n'),
      // Starts like a request, then is not HTTP: the toxic gives up on the connection.
      Buffer.from('GET / HTTP/1.1\r\nnot a header\r\n\r\n'),
      Buffer.from('GET / HTTP/1.1\r\nHost: after-giving-up\r\n\r\n'),
    ];
    for (const payload of payloads) {
      client.socket.write(payload);
      expect((await client.take(payload.length)).equals(payload)).toBe(true);
    }
    await lab.proxies.removeToxic('p', 'abort');
    client.socket.write('after');
    expect((await client.take(5)).toString()).toBe('after');
  });
});

describe('http-delay', () => {
  it('holds matching requests at least delayMs; others pass', async () => {
    const upstream = await lab.http();
    const port = await lab.proxy(upstream.port);
    lab.proxies.addToxic('p', spec('hold', { type: 'http-delay', delayMs: 300, percent: 100, match: { pathPrefix: '/slow' } }));
    const start = performance.now();
    expect(await send(port, '/slow/1')).toMatchObject({ status: 200, body: 'upstream /slow/1' });
    expect(elapsedSince(start)).toBeGreaterThanOrEqual(299);
    expect(await send(port, '/fast')).toMatchObject({ status: 200, body: 'upstream /fast' });
    await lab.proxies.removeToxic('p', 'hold');
    expect((await send(port, '/slow/2')).status).toBe(200);
  });

  it('forwards a held request at once when removed', async () => {
    const upstream = await lab.http();
    const port = await lab.proxy(upstream.port);
    lab.proxies.addToxic('p', spec('hold', { type: 'http-delay', delayMs: 60_000, percent: 100, match: {} }));
    const reply = send(port, '/held', { method: 'POST', body: ['kept'] });
    await sleep(100);
    expect(upstream.seen).toEqual([]);
    await lab.proxies.removeToxic('p', 'hold');
    expect(await reply).toMatchObject({ status: 200, body: 'upstream /held' });
    expect(upstream.seen.map((r) => r.body)).toEqual(['kept']);
  });
});
