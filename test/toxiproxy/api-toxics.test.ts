import { describe, expect, it } from 'vitest';
import type { ToxicSpec } from '../../src/proxy/api.js';
import { apiOverRealProxies } from './in-process.js';

/* Toxics through the Toxiproxy API, in-process over the real fault proxy registry. */

const api = apiOverRealProxies({ version: '2.12.0-firedrill', headers: { 'Content-Type': 'application/json' } });
const call = api.call;

const redis = { name: 'redis', listen: '127.0.0.1:0', upstream: '127.0.0.1:6379' };

async function withRedis(): Promise<void> {
  expect((await call('POST', '/proxies', redis)).status).toBe(201);
}

/** The toxics the real registry holds for the proxy, as the fault proxy applies them. */
const stored = (proxy = 'redis'): readonly ToxicSpec[] => api.proxies.get(proxy)?.toxics ?? [];

describe('Toxiproxy API: toxics', () => {
  const cases: [string, Record<string, number>, ToxicSpec['attributes']][] = [
    ['latency', { latency: 100, jitter: 10 }, { type: 'latency', latencyMs: 100, jitterMs: 10 }],
    ['bandwidth', { rate: 64 }, { type: 'bandwidth', rateKBps: 64 }],
    ['slow_close', { delay: 250 }, { type: 'slow-close', delayMs: 250 }],
    ['timeout', { timeout: 300 }, { type: 'blackhole', closeAfterMs: 300 }],
    ['timeout', { timeout: 0 }, { type: 'blackhole' }],
    ['reset_peer', { timeout: 20 }, { type: 'reset', delayMs: 20 }],
    ['slicer', { average_size: 16, size_variation: 4, delay: 1000 }, { type: 'slicer', averageSize: 16, sizeVariation: 4, delayUs: 1000 }],
    ['limit_data', { bytes: 1024 }, { type: 'limit-data', bytes: 1024 }],
  ];

  it.each(cases)(
    'turns a %s toxic %j into the Firedrill toxic and shows it back as Toxiproxy would',
    async (type, attributes, firedrill) => {
      await withRedis();
      const answer = await call('POST', '/proxies/redis/toxics', { type, attributes });
      const shown = { attributes, name: `${type}_downstream`, type, stream: 'downstream', toxicity: 1 };
      expect(answer).toMatchObject({ status: 200, json: shown });
      expect(Object.keys(answer.json as object)).toEqual(['attributes', 'name', 'type', 'stream', 'toxicity']);
      expect(stored()).toEqual([{ id: `${type}_downstream`, stream: 'downstream', toxicity: 1, attributes: firedrill }]);
      expect((await call('GET', `/proxies/redis/toxics/${type}_downstream`)).json).toEqual(shown);
      expect((await call('GET', '/proxies/redis/toxics')).json).toEqual([shown]);
      expect((await call('GET', '/proxies/redis')).json).toMatchObject({ toxics: [shown] });
    },
  );

  it('takes the name, stream and toxicity given, and reads missing attributes as 0', async () => {
    await withRedis();
    const answer = await call('POST', '/proxies/redis/toxics', {
      name: 'slow',
      type: 'latency',
      stream: 'UPSTREAM',
      toxicity: 0.5,
      attributes: { latency: 7 },
    });
    // Toxiproxy shows the stream as it was written, and reads it in any case.
    expect(answer.json).toEqual({
      attributes: { latency: 7, jitter: 0 },
      name: 'slow',
      type: 'latency',
      stream: 'UPSTREAM',
      toxicity: 0.5,
    });
    expect(stored()).toEqual([
      { id: 'slow', stream: 'upstream', toxicity: 0.5, attributes: { type: 'latency', latencyMs: 7, jitterMs: 0 } },
    ]);
  });

  it('lists upstream toxics before downstream ones, as Toxiproxy chains them', async () => {
    await withRedis();
    await call('POST', '/proxies/redis/toxics', { type: 'latency' });
    await call('POST', '/proxies/redis/toxics', { type: 'bandwidth', stream: 'upstream', attributes: { rate: 1 } });
    expect(((await call('GET', '/proxies/redis/toxics')).json as { name: string }[]).map((t) => t.name)).toEqual([
      'bandwidth_upstream',
      'latency_downstream',
    ]);
  });

  it('refuses a bad toxic with a 400 naming the problem, or 409 for a taken name, and adds nothing', async () => {
    await withRedis();
    await call('POST', '/proxies/redis/toxics', { type: 'latency' });
    const bad: [unknown, string][] = [
      [{ type: 'explode' }, 'invalid toxic type'],
      [{ attributes: {} }, 'invalid toxic type'],
      [{ type: 'latency', stream: 'sideways' }, 'stream was invalid, can be either upstream or downstream'],
      [{ type: 'bandwidth', attributes: { rate: 1.5 } }, 'bad request body: attributes.rate: expected a whole number, got 1.5'],
      [{ type: 'timeout', toxicity: 'high' }, 'bad request body: toxicity: expected a number, got string "high"'],
      [
        { type: 'slicer', attributes: { average_size: 'big' } },
        'bad request body: attributes.average_size: expected a number, got string "big"',
      ],
      [{ type: 'limit_data', attributes: [] }, 'bad request body: attributes: expected a JSON object, got an array'],
      ['[1]', 'bad request body: expected a JSON object, got an array'],
    ];
    for (const [body, error] of bad) {
      expect(await call('POST', '/proxies/redis/toxics', body), JSON.stringify(body)).toMatchObject({
        status: 400,
        json: { error, status: 400 },
      });
    }
    expect(await call('POST', '/proxies/redis/toxics', { type: 'latency' })).toMatchObject({
      status: 409,
      json: { error: 'toxic already exists', status: 409 },
    });
    expect(await call('POST', '/proxies/nope/toxics', { type: 'latency' })).toMatchObject({
      status: 404,
      json: { error: 'proxy not found' },
    });
    expect(stored().map((t) => t.id)).toEqual(['latency_downstream']);
    expect(api.events).toEqual(['add redis/latency_downstream']);
  });

  it('updates only what the body gives, keeping name, type and stream', async () => {
    await withRedis();
    await call('POST', '/proxies/redis/toxics', {
      type: 'latency',
      stream: 'upstream',
      toxicity: 0.3,
      attributes: { latency: 100, jitter: 10 },
    });
    const answer = await call('POST', '/proxies/redis/toxics/latency_upstream', {
      type: 'bandwidth',
      stream: 'downstream',
      attributes: { latency: 1000 },
    });
    expect(answer).toMatchObject({
      status: 200,
      json: { name: 'latency_upstream', type: 'latency', stream: 'upstream', toxicity: 0.3, attributes: { latency: 1000, jitter: 10 } },
    });
    expect((await call('PATCH', '/proxies/redis/toxics/latency_upstream', { toxicity: 1 })).json).toMatchObject({
      toxicity: 1,
      attributes: { latency: 1000 },
    });
    expect(stored()).toEqual([
      { id: 'latency_upstream', stream: 'upstream', toxicity: 1, attributes: { type: 'latency', latencyMs: 1000, jitterMs: 10 } },
    ]);
    expect(await call('POST', '/proxies/redis/toxics/latency_upstream', { attributes: { jitter: 0.5 } })).toMatchObject({ status: 400 });
    expect(await call('POST', '/proxies/redis/toxics/nope', { toxicity: 1 })).toMatchObject({
      status: 404,
      json: { error: 'toxic not found', status: 404 },
    });
    expect(api.events).toEqual(['add redis/latency_upstream', 'add redis/latency_upstream', 'add redis/latency_upstream']);
  });

  it('removes a toxic with 204 and tells the hooks; an unknown one is a 404', async () => {
    await withRedis();
    await call('POST', '/proxies/redis/toxics', { type: 'latency' });
    expect(await call('DELETE', '/proxies/redis/toxics/latency_downstream')).toMatchObject({ status: 204, text: '' });
    expect(stored()).toEqual([]);
    expect(await call('DELETE', '/proxies/redis/toxics/latency_downstream')).toMatchObject({
      status: 404,
      json: { error: 'toxic not found' },
    });
    expect(await call('GET', '/proxies/redis/toxics/latency_downstream')).toMatchObject({
      status: 404,
      json: { error: 'toxic not found' },
    });
    expect(api.events).toEqual(['add redis/latency_downstream', 'remove redis/latency_downstream']);
  });

  it('shows Firedrill-only toxics with their own type, and will not update them', async () => {
    await withRedis();
    const match = { pathPrefix: '/api' };
    api.proxies.addToxic('redis', {
      id: 'run-1/abort',
      stream: 'downstream',
      toxicity: 1,
      attributes: { type: 'http-abort', status: 503, percent: 50, match },
    });
    expect((await call('GET', '/proxies/redis/toxics')).json).toEqual([
      { attributes: { status: 503, percent: 50, match }, name: 'run-1/abort', type: 'http-abort', stream: 'downstream', toxicity: 1 },
    ]);
    expect(await call('POST', `/proxies/redis/toxics/${encodeURIComponent('run-1/abort')}`, { toxicity: 0.5 })).toMatchObject({
      status: 400,
      json: { error: 'invalid toxic type' },
    });
  });
});
