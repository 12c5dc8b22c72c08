import { beforeEach, describe, expect, it } from 'vitest';
import type { ToxicSpec } from '../../src/proxy/api.js';
import { createToxiproxyApp } from '../../src/toxiproxy/index.js';
import { FakeProxies } from './fake-proxies.js';
import { callApp } from './in-process.js';

/*
 * What Toxiproxy 2.12 accepts and answers, checked side by side with it (its api.go, api_test.go
 * and toxics/*.go): requests Firedrill once refused, and the exact form of its answers.
 */

let proxies: FakeProxies;
let events: string[];
let app: ReturnType<typeof createToxiproxyApp>;

beforeEach(() => {
  proxies = new FakeProxies();
  events = [];
  const hooks = {
    beforeAdd: (proxy: string, spec: ToxicSpec) => void events.push(`add ${proxy}/${spec.id}`),
    afterRemove: (proxy: string, id: string) => void events.push(`remove ${proxy}/${id}`),
  };
  app = createToxiproxyApp({ proxies, hooks });
});

function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return callApp(app, method, path, body, headers);
}

const redis = { name: 'redis', listen: '127.0.0.1:0', upstream: '127.0.0.1:6379' };
const stored = (proxy = 'redis'): readonly ToxicSpec[] => proxies.get(proxy)?.toxics ?? [];

describe('Toxiproxy compatibility: what Toxiproxy accepts', () => {
  it('creates a proxy without a listen address on a free port of the loopback, with 201', async () => {
    const answer = await call('POST', '/proxies', { name: 'redis', upstream: '127.0.0.1:6379' });
    expect(answer).toMatchObject({ status: 201, json: { name: 'redis', listen: '127.0.0.1:40000', enabled: true } });
    expect(proxies.get('redis')?.listen).toBe('127.0.0.1:0');
    expect(await call('POST', '/populate', [{ name: 'pg', upstream: '127.0.0.1:5432', listen: '' }])).toMatchObject({
      status: 201,
      json: { proxies: [{ listen: '127.0.0.1:40001' }] },
    });
  });

  it('listens on every interface without a listen address when the agent says so (--insecure)', async () => {
    app = createToxiproxyApp({ proxies, defaultListen: ':0' });
    expect(await call('POST', '/proxies', { name: 'redis', upstream: '127.0.0.1:6379' })).toMatchObject({ status: 201 });
    expect(proxies.get('redis')?.listen).toBe(':0');
  });

  it('accepts an upstream that does not resolve, on create (201) and update (200): it is resolved per connection', async () => {
    expect(await call('POST', '/proxies', { ...redis, upstream: 'somehost:12345' })).toMatchObject({
      status: 201,
      json: { upstream: 'somehost:12345' },
    });
    expect(await call('PATCH', '/proxies/redis', { upstream: 'otherhost.invalid:1' })).toMatchObject({
      status: 200,
      json: { upstream: 'otherhost.invalid:1' },
    });
    expect(proxies.options).toEqual([{ resolveUpstream: 'on-connect' }, { resolveUpstream: 'on-connect' }]);
  });

  it('accepts a noop toxic and shows it as Toxiproxy does, attributes and all', async () => {
    await call('POST', '/proxies', redis);
    const answer = await call('POST', '/proxies/redis/toxics', { name: 'foobar', type: 'noop', attributes: { whatever: 1 } });
    expect(answer).toMatchObject({
      status: 200,
      text: '{"attributes":{},"name":"foobar","type":"noop","stream":"downstream","toxicity":1}',
    });
    expect(stored()).toEqual([{ id: 'foobar', stream: 'downstream', toxicity: 1, attributes: { type: 'noop' } }]);
    expect((await call('GET', '/proxies/redis/toxics')).json).toEqual([answer.json]);
  });

  const A_DAY = 86_400_000;
  const given: [string, Record<string, number>, number, ToxicSpec['attributes'], number][] = [
    ['latency', { latency: -100, jitter: -5 }, 1, { type: 'latency', latencyMs: 0, jitterMs: 0 }, 1],
    ['latency', { latency: 90_000_000, jitter: 10 }, 1.5, { type: 'latency', latencyMs: A_DAY, jitterMs: 10 }, 1],
    ['bandwidth', { rate: 0 }, 1, { type: 'latency', latencyMs: A_DAY, jitterMs: 0 }, 1],
    ['bandwidth', { rate: -10 }, -0.5, { type: 'latency', latencyMs: A_DAY, jitterMs: 0 }, 0],
    [
      'slicer',
      { average_size: 10, size_variation: 10, delay: 10 },
      1,
      { type: 'slicer', averageSize: 10, sizeVariation: 9, delayUs: 10 },
      1,
    ],
    ['slicer', { average_size: 0, size_variation: -1, delay: -5 }, 1, { type: 'slicer', averageSize: 1, sizeVariation: 0, delayUs: 0 }, 1],
    ['timeout', { timeout: -1 }, 1, { type: 'blackhole' }, 1],
    ['reset_peer', { timeout: -5 }, 2, { type: 'reset', delayMs: 0 }, 1],
    ['slow_close', { delay: -5 }, 1, { type: 'slow-close', delayMs: 0 }, 1],
    ['limit_data', { bytes: -1 }, 1, { type: 'limit-data', bytes: 0 }, 1],
  ];

  it.each(given)(
    'accepts %s %j with toxicity %d, shows it back as given, and clamps what the fault proxy gets',
    async (type, attributes, toxicity, firedrill, used) => {
      await call('POST', '/proxies', redis);
      const answer = await call('POST', '/proxies/redis/toxics', { type, attributes, toxicity });
      const shown = { attributes, name: `${type}_downstream`, type, stream: 'downstream', toxicity };
      expect(answer).toMatchObject({ status: 200, json: shown });
      expect(stored()).toEqual([{ id: `${type}_downstream`, stream: 'downstream', toxicity: used, attributes: firedrill }]);
      expect((await call('GET', `/proxies/redis/toxics/${type}_downstream`)).json).toEqual(shown);
      expect((await call('GET', '/proxies/redis')).json).toMatchObject({ toxics: [shown] });
    },
  );

  it('updates a toxic from what was given, not from what was clamped', async () => {
    await call('POST', '/proxies', redis);
    await call('POST', '/proxies/redis/toxics', { type: 'slicer', toxicity: 3, attributes: { average_size: 10, size_variation: 40 } });
    const answer = await call('PATCH', '/proxies/redis/toxics/slicer_downstream', { attributes: { average_size: 100 } });
    expect(answer.json).toMatchObject({ toxicity: 3, attributes: { average_size: 100, size_variation: 40, delay: 0 } });
    expect(stored()[0]).toMatchObject({ toxicity: 1, attributes: { averageSize: 100, sizeVariation: 40 } });
  });

  it("never names Firedrill's own attributes in its messages", async () => {
    await call('POST', '/proxies', redis);
    proxies.refuse.add('slicer_downstream');
    const refused = await call('POST', '/proxies/redis/toxics', { type: 'slicer', attributes: { average_size: 'big' } });
    const clamped = await call('POST', '/proxies/redis/toxics', { type: 'slicer', attributes: { average_size: 1 } });
    for (const answer of [refused, clamped]) {
      expect(answer.status).toBe(400);
      expect(answer.text).not.toMatch(/averageSize|sizeVariation|delayUs|latencyMs|jitterMs|rateKBps|delayMs|closeAfterMs/);
    }
  });
});

describe('Toxiproxy compatibility: populate', () => {
  const one = { name: 'one', listen: '127.0.0.1:7070', upstream: '127.0.0.1:7171' };
  const three = { name: 'three', listen: '127.0.0.1:7575', upstream: '127.0.0.1:7676' };

  it('creates the entries before a bad one and answers 500 with the error and the proxies it created', async () => {
    proxies.taken.add('127.0.0.1:7373');
    const answer = await call('POST', '/populate', [one, { name: 'two', listen: '127.0.0.1:7373', upstream: '127.0.0.1:7474' }, three]);
    expect(answer).toMatchObject({ status: 500, type: 'application/json' });
    expect(answer.json).toEqual({
      error: 'listen tcp 127.0.0.1:7373: bind: address already in use',
      status: 500,
      proxies: [{ name: 'one', listen: '127.0.0.1:7070', upstream: '127.0.0.1:7171', enabled: true, toxics: [] }],
    });
    expect(proxies.list().map((p) => p.name)).toEqual(['one']);
  });

  it('answers "proxies": null when the first entry fails', async () => {
    proxies.taken.add('127.0.0.1:7070');
    expect(await call('POST', '/populate', [one, three])).toMatchObject({ status: 500, json: { status: 500, proxies: null } });
    expect(proxies.list()).toEqual([]);
  });

  it('leaves a proxy it could not replace disabled with its toxics, as Toxiproxy stops it first', async () => {
    await call('POST', '/proxies', one);
    await call('POST', '/proxies/one/toxics', { type: 'latency', attributes: { latency: -7 } });
    proxies.taken.add('127.0.0.1:7072');
    const answer = await call('POST', '/populate', [{ ...one, listen: '127.0.0.1:7072' }]);
    expect(answer).toMatchObject({ status: 500, json: { proxies: null } });
    expect(proxies.get('one')).toMatchObject({ enabled: false, listen: '127.0.0.1:7070' });
    expect((await call('GET', '/proxies/one/toxics')).json).toEqual([
      { attributes: { latency: -7, jitter: 0 }, name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1 },
    ]);
    expect(events).toEqual(['add one/latency_downstream']);
  });

  it('leaves a proxy alone when the list names its bound address as localhost', async () => {
    await call('POST', '/proxies', one);
    await call('POST', '/proxies/one/toxics', { type: 'latency' });
    const answer = await call('POST', '/populate', [{ ...one, listen: 'localhost:7070' }]);
    expect(answer).toMatchObject({ status: 201, json: { proxies: [{ name: 'one', toxics: [{ type: 'latency' }] }] } });
  });
});

describe('Toxiproxy compatibility: the form of its answers', () => {
  it("answers errors as Go's http.Error does: the JSON text and a newline, text/plain, nosniff", async () => {
    const answer = await call('GET', '/proxies/nope');
    expect(answer).toMatchObject({ status: 404, text: '{"error":"proxy not found","status":404}\n', type: 'text/plain; charset=utf-8' });
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    const bad = await call('POST', '/proxies', { name: '<b>', listen: 7 });
    expect(bad).toMatchObject({
      status: 400,
      text: '{"error":"bad request body: listen: expected a string, got number 7","status":400}\n',
    });
    // Go's JSON escapes <, > and & (and the client sees them back as such).
    const escaped = await call('POST', '/proxies', { ...redis, enabled: '<yes&no>' });
    expect(escaped.text).toBe(
      '{"error":"bad request body: enabled: expected true or false, got string \\"\\u003cyes\\u0026no\\u003e\\"","status":400}\n',
    );
    expect(escaped.json).toEqual({ error: 'bad request body: enabled: expected true or false, got string "<yes&no>"', status: 400 });
    expect(await call('GET', '/nowhere')).toMatchObject({ status: 404, text: '404 page not found\n', type: 'text/plain; charset=utf-8' });
    expect(await call('GET', '/proxies', undefined, { 'User-Agent': 'Mozilla/5.0' })).toMatchObject({
      status: 403,
      text: 'User agent not allowed\n',
      type: 'text/plain; charset=utf-8',
    });
  });

  it('answers 405 with no body for a path it knows asked with another method', async () => {
    expect(await call('PUT', '/proxies')).toMatchObject({ status: 405, text: '' });
    expect(await call('DELETE', '/reset')).toMatchObject({ status: 405, text: '' });
  });

  it('gives every answer an X-Toxiproxy-Request-Id, an xid of 20 base32hex characters, new each time', async () => {
    const ids = [];
    for (const [method, path, body] of [
      ['GET', '/version'],
      ['POST', '/proxies', redis],
      ['POST', '/proxies', redis],
      ['POST', '/populate', []],
      ['DELETE', '/proxies/redis'],
      ['GET', '/nowhere'],
      ['PUT', '/proxies'],
    ] as const) {
      const answer = await call(method, path, body);
      const id = answer.headers.get('x-toxiproxy-request-id');
      expect(id, `${method} ${path} → ${answer.status}`).toMatch(/^[0-9a-v]{20}$/);
      ids.push(id);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect((await call('GET', '/version', undefined, { 'User-Agent': 'Mozilla/5.0' })).headers.get('x-toxiproxy-request-id')).toMatch(
      /^[0-9a-v]{20}$/,
    );
  });

  it('reports Toxiproxy 2.12.0 at /version, so that clients update with PATCH', async () => {
    expect(await call('GET', '/version')).toMatchObject({
      status: 200,
      text: '{"version": "2.12.0"}\n',
      type: 'application/json;charset=utf-8',
    });
  });

  it("lists proxies by name, as Go's JSON writes a map, with JSON's own content type", async () => {
    for (const name of ['zeta', 'alpha', 'mid']) await call('POST', '/proxies', { ...redis, name });
    const answer = await call('GET', '/proxies');
    expect(answer.type).toBe('application/json');
    expect(Object.keys(answer.json as object)).toEqual(['alpha', 'mid', 'zeta']);
  });
});
