import { describe, expect, it } from 'vitest';
import type { ToxicSpec } from '../../src/proxy/api.js';
import { createToxiproxyApp } from '../../src/toxiproxy/index.js';
import { asToxiproxyToxicError } from '../../src/toxiproxy/toxic-shape.js';
import { apiOverRealProxies } from './in-process.js';
import { accepts, freePort, goListenError } from './ports.js';

/*
 * What Toxiproxy 2.12 accepts and answers, checked side by side with it (its api.go, api_test.go
 * and toxics/*.go): requests Firedrill once refused, and the exact form of its answers. In-process,
 * over the real fault proxy registry: listen addresses are real ports of 127.0.0.1.
 */

const api = apiOverRealProxies();
const call = api.call;

const redis = { name: 'redis', listen: '127.0.0.1:0', upstream: '127.0.0.1:6379' };
const stored = (proxy = 'redis'): readonly ToxicSpec[] => api.proxies.get(proxy)?.toxics ?? [];

describe('Toxiproxy compatibility: what Toxiproxy accepts', () => {
  it('creates a proxy without a listen address on a free port of the loopback, with 201', async () => {
    const answer = await call('POST', '/proxies', { name: 'redis', upstream: '127.0.0.1:6379' });
    const listen = (answer.json as { listen: string }).listen;
    expect(answer).toMatchObject({
      status: 201,
      json: { name: 'redis', listen: expect.stringMatching(/^127\.0\.0\.1:[1-9]\d*$/), enabled: true },
    });
    expect(api.proxies.get('redis')?.listen).toBe('127.0.0.1:0');
    expect(await accepts(listen)).toBe(true);
    const populated = await call('POST', '/populate', [{ name: 'pg', upstream: '127.0.0.1:5432', listen: '' }]);
    expect(populated).toMatchObject({ status: 201, json: { proxies: [{ listen: expect.stringMatching(/^127\.0\.0\.1:[1-9]\d*$/) }] } });
    expect(await accepts((populated.json as { proxies: { listen: string }[] }).proxies[0]?.listen ?? '')).toBe(true);
  });

  it('gives a proxy without a listen address the one the agent says (":0", every interface, when --insecure)', async () => {
    api.app = createToxiproxyApp({ proxies: api.proxies, defaultListen: ':0' });
    // Disabled, so that nothing listens on every interface of this machine.
    expect(await call('POST', '/proxies', { name: 'redis', upstream: '127.0.0.1:6379', enabled: false })).toMatchObject({
      status: 201,
      json: { listen: ':0', enabled: false },
    });
    expect(api.proxies.get('redis')?.listen).toBe(':0');
  });

  it('accepts an upstream that does not resolve, on create (201) and update (200): it is resolved per connection', async () => {
    // The registry itself refuses such an upstream unless told to resolve it when a connection comes.
    await expect(api.proxies.create({ ...redis, name: 'direct', upstream: 'somehost.invalid:12345' })).rejects.toMatchObject({
      code: 'FD_PROXY_UPSTREAM',
    });
    expect(await call('POST', '/proxies', { ...redis, upstream: 'somehost.invalid:12345' })).toMatchObject({
      status: 201,
      json: { upstream: 'somehost.invalid:12345' },
    });
    expect(await call('PATCH', '/proxies/redis', { upstream: 'otherhost.invalid:1' })).toMatchObject({
      status: 200,
      json: { upstream: 'otherhost.invalid:1' },
    });
    expect(api.proxies.get('redis')).toMatchObject({ upstream: 'otherhost.invalid:1', enabled: true });
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

  const FIREDRILL_WORDS = /averageSize|sizeVariation|delayUs|latencyMs|jitterMs|rateKBps|delayMs|closeAfterMs|\bid\b/;

  it("never names Firedrill's own attributes in its messages", async () => {
    await call('POST', '/proxies', redis);
    const refused = await call('POST', '/proxies/redis/toxics', { type: 'slicer', attributes: { average_size: 'big' } });
    const tooLong = await call('POST', '/proxies/redis/toxics', { type: 'slicer', name: 'x'.repeat(201) });
    for (const answer of [refused, tooLong]) {
      expect(answer.status).toBe(400);
      expect(answer.text).not.toMatch(FIREDRILL_WORDS);
    }
  });

  // What the real registry refuses (the API clamps first, so only a bug would get these through),
  // and the Toxiproxy type whose attributes the refusal is about.
  const refusals: [string, ToxicSpec['attributes'], RegExp][] = [
    ['bandwidth', { type: 'bandwidth', rateKBps: 0 }, /^bad request body: attributes\.rate: must be greater than 0 KB\/s/],
    ['latency', { type: 'latency', latencyMs: -1, jitterMs: 0 }, /^bad request body: attributes\.latency: /],
    ['latency', { type: 'latency', latencyMs: 1, jitterMs: -1 }, /^bad request body: attributes\.jitter: /],
    // This refusal quotes the attributes object, Firedrill's names and all: it is replaced.
    [
      'slicer',
      { type: 'slicer', averageSize: 10, sizeVariation: 10, delayUs: 0 },
      /^bad request body: the slicer toxic's attributes were refused$/,
    ],
    ['slicer', { type: 'slicer', averageSize: 10, sizeVariation: 0, delayUs: 61_000_000 }, /^bad request body: attributes\.delay: /],
    ['slow_close', { type: 'slow-close', delayMs: -1 }, /^bad request body: attributes\.delay: /],
    ['timeout', { type: 'blackhole', closeAfterMs: -1 }, /^bad request body: attributes\.timeout: /],
    ['reset_peer', { type: 'reset', delayMs: -1 }, /^bad request body: attributes\.timeout: /],
    ['limit_data', { type: 'limit-data', bytes: -1 }, /^bad request body: attributes\.bytes: /],
    // A refusal naming a field of another type has no Toxiproxy words: it is replaced.
    ['slicer', { type: 'bandwidth', rateKBps: 0 }, /^bad request body: the slicer toxic's attributes were refused$/],
  ];

  it.each(refusals)("names a refusal of the fault proxy in a %s toxic's Toxiproxy attributes: %j", async (type, attributes, message) => {
    await call('POST', '/proxies', redis);
    let refusal: unknown;
    try {
      api.proxies.addToxic('redis', { id: 'refused', stream: 'downstream', toxicity: 1, attributes });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ code: 'FD_TOXIC_INVALID' });
    const shown = { attributes: {}, name: 'refused', type, stream: 'downstream', toxicity: 1 };
    const answer = asToxiproxyToxicError(refusal, shown) as Error & { status: number };
    expect(answer.status).toBe(400);
    expect(answer.message).toMatch(message);
    expect(answer.message).not.toMatch(FIREDRILL_WORDS);
    expect(stored()).toEqual([]);
  });
});

describe('Toxiproxy compatibility: populate', () => {
  it('creates the entries before a bad one and answers 500 with the error and the proxies it created', async () => {
    const one = { name: 'one', listen: `127.0.0.1:${await freePort()}`, upstream: '127.0.0.1:7171' };
    const three = { name: 'three', listen: '127.0.0.1:0', upstream: '127.0.0.1:7676' };
    const taken = await api.ports.occupy();
    const answer = await call('POST', '/populate', [one, { name: 'two', listen: taken.address, upstream: '127.0.0.1:7474' }, three]);
    expect(answer).toMatchObject({ status: 500, type: 'application/json' });
    expect(answer.json).toEqual({
      error: goListenError(taken.error),
      status: 500,
      proxies: [{ name: 'one', listen: one.listen, upstream: '127.0.0.1:7171', enabled: true, toxics: [] }],
    });
    expect(api.proxies.list().map((p) => p.name)).toEqual(['one']);
    expect(await accepts(one.listen)).toBe(true);
  });

  it('answers "proxies": null when the first entry fails', async () => {
    const taken = await api.ports.occupy();
    const one = { name: 'one', listen: taken.address, upstream: '127.0.0.1:7171' };
    const three = { name: 'three', listen: '127.0.0.1:0', upstream: '127.0.0.1:7676' };
    expect(await call('POST', '/populate', [one, three])).toMatchObject({
      status: 500,
      json: { error: goListenError(taken.error), status: 500, proxies: null },
    });
    expect(api.proxies.list()).toEqual([]);
  });

  it('leaves a proxy it could not replace disabled with its toxics, as Toxiproxy stops it first', async () => {
    const one = { name: 'one', listen: `127.0.0.1:${await freePort()}`, upstream: '127.0.0.1:7171' };
    await call('POST', '/proxies', one);
    await call('POST', '/proxies/one/toxics', { type: 'latency', attributes: { latency: -7 } });
    const taken = await api.ports.occupy();
    const answer = await call('POST', '/populate', [{ ...one, listen: taken.address }]);
    expect(answer).toMatchObject({ status: 500, json: { error: goListenError(taken.error), proxies: null } });
    expect(api.proxies.get('one')).toMatchObject({ enabled: false, listen: one.listen });
    expect(await accepts(one.listen)).toBe(false);
    expect((await call('GET', '/proxies/one/toxics')).json).toEqual([
      { attributes: { latency: -7, jitter: 0 }, name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1 },
    ]);
    expect(api.events).toEqual(['add one/latency_downstream']);
  });

  it('leaves a proxy alone when the list names its bound address as localhost', async () => {
    const port = await freePort();
    const one = { name: 'one', listen: `127.0.0.1:${port}`, upstream: '127.0.0.1:7171' };
    await call('POST', '/proxies', one);
    await call('POST', '/proxies/one/toxics', { type: 'latency' });
    const answer = await call('POST', '/populate', [{ ...one, listen: `localhost:${port}` }]);
    expect(answer).toMatchObject({ status: 201, json: { proxies: [{ name: 'one', toxics: [{ type: 'latency' }] }] } });
    expect(api.proxies.get('one')).toMatchObject({ listen: one.listen, enabled: true });
    expect(api.events).toEqual(['add one/latency_downstream']);
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
