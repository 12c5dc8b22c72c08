import { beforeEach, describe, expect, it } from 'vitest';
import { OperationalError, UserError } from '../../src/errors.js';
import type { ToxicSpec } from '../../src/proxy/api.js';
import { createToxiproxyApp } from '../../src/toxiproxy/index.js';
import type { ToxicHooks } from '../../src/toxiproxy/index.js';
import { FakeProxies } from './fake-proxies.js';
import { callApp } from './in-process.js';

let proxies: FakeProxies;
let events: string[];
let hooks: ToxicHooks;
let app: ReturnType<typeof createToxiproxyApp>;

beforeEach(() => {
  proxies = new FakeProxies();
  events = [];
  hooks = {
    beforeAdd: (proxy, spec) => void events.push(`add ${proxy}/${spec.id}`),
    afterRemove: (proxy, id) => void events.push(`remove ${proxy}/${id}`),
  };
  // The hooks object is read at each request, so a test may swap a hook after this.
  app = createToxiproxyApp({ proxies, version: '2.12.0-firedrill', hooks });
});

/** One request in-process; JSON unless told otherwise. */
function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return callApp(app, method, path, body, { 'Content-Type': 'application/json', ...headers });
}

const redis = { name: 'redis', listen: '127.0.0.1:0', upstream: '127.0.0.1:6379' };

async function withRedis(): Promise<string> {
  const created = await call('POST', '/proxies', redis);
  expect(created.status).toBe(201);
  return (created.json as { listen: string }).listen;
}

const stored = (proxy = 'redis'): readonly ToxicSpec[] => proxies.get(proxy)?.toxics ?? [];

describe('Toxiproxy API: proxies', () => {
  it('creates a proxy with 201 and shows it with its bound address, as Toxiproxy does', async () => {
    expect(await call('GET', '/proxies')).toMatchObject({ status: 200, json: {} });
    const created = await call('POST', '/proxies', redis);
    expect(created).toMatchObject({
      status: 201,
      json: { name: 'redis', listen: '127.0.0.1:40000', upstream: '127.0.0.1:6379', enabled: true, toxics: [] },
    });
    expect(Object.keys(created.json as object)).toEqual(['name', 'listen', 'upstream', 'enabled', 'toxics']);
    expect((await call('GET', '/proxies')).json).toEqual({ redis: created.json });
    expect((await call('GET', '/proxies/redis')).json).toEqual(created.json);
  });

  it('creates a disabled proxy when asked, showing the listen address it was given', async () => {
    const created = await call('POST', '/proxies', { ...redis, listen: 'localhost:3310', enabled: false });
    expect(created).toMatchObject({ status: 201, json: { listen: 'localhost:3310', enabled: false } });
    expect(proxies.taken.size).toBe(0);
  });

  it("answers Toxiproxy's errors for a duplicate, a missing field, a bad body and an unknown proxy", async () => {
    await withRedis();
    expect(await call('POST', '/proxies', redis)).toMatchObject({ status: 409, json: { error: 'proxy already exists', status: 409 } });
    expect(await call('POST', '/proxies', { upstream: 'x:1', listen: 'x:2' })).toMatchObject({
      status: 400,
      json: { error: 'missing required field: name', status: 400 },
    });
    expect(await call('POST', '/proxies', { name: 'a', listen: 'x:2' })).toMatchObject({
      status: 400,
      json: { error: 'missing required field: upstream' },
    });
    expect(await call('POST', '/proxies', '')).toMatchObject({ status: 400, json: { error: 'bad request body: EOF', status: 400 } });
    expect(await call('POST', '/proxies', '{"name": ')).toMatchObject({
      status: 400,
      json: { error: expect.stringMatching(/^bad request body: /) },
    });
    expect(await call('POST', '/proxies', { ...redis, name: 'b', enabled: 'yes' })).toMatchObject({
      status: 400,
      json: { error: 'bad request body: enabled: expected true or false, got string "yes"' },
    });
    for (const [method, path] of [
      ['GET', '/proxies/nope'],
      ['POST', '/proxies/nope'],
      ['DELETE', '/proxies/nope'],
      ['GET', '/proxies/nope/toxics'],
    ] as const) {
      expect(await call(method, path, method === 'POST' ? {} : undefined)).toMatchObject({
        status: 404,
        json: { error: 'proxy not found', status: 404 },
      });
    }
    expect(proxies.list().map((p) => p.name)).toEqual(['redis']);
  });

  it("answers Go's listen error with 500 when the listen address is taken, and creates nothing", async () => {
    proxies.taken.add('127.0.0.1:5000');
    const answer = await call('POST', '/proxies', { ...redis, listen: '127.0.0.1:5000' });
    expect(answer).toMatchObject({ status: 500, json: { error: 'listen tcp 127.0.0.1:5000: bind: address already in use', status: 500 } });
    expect(proxies.list()).toEqual([]);
  });

  it('disables and enables a proxy through POST or PATCH, keeping a bound listen address that is sent back', async () => {
    const listen = await withRedis();
    const down = await call('POST', '/proxies/redis', { ...redis, listen, enabled: false });
    expect(down).toMatchObject({ status: 200, json: { enabled: false, listen } });
    expect(proxies.get('redis')).toMatchObject({ enabled: false, listen: '127.0.0.1:0' });
    const up = await call('PATCH', '/proxies/redis', { enabled: true });
    expect(up).toMatchObject({ status: 200, json: { enabled: true, listen } });
  });

  it('moves a proxy to a new listen address, and answers the listen error when it is taken', async () => {
    await withRedis();
    expect(await call('POST', '/proxies/redis', { listen: '127.0.0.1:5001' })).toMatchObject({
      status: 200,
      json: { listen: '127.0.0.1:5001' },
    });
    proxies.taken.add('127.0.0.1:5002');
    expect(await call('POST', '/proxies/redis', { listen: '127.0.0.1:5002' })).toMatchObject({
      status: 500,
      json: { error: 'listen tcp 127.0.0.1:5002: bind: address already in use' },
    });
    expect(proxies.get('redis')).toMatchObject({ listen: '127.0.0.1:5001', enabled: true });
  });

  it('deletes a proxy with 204 and tells the hooks its toxics are gone', async () => {
    await withRedis();
    await call('POST', '/proxies/redis/toxics', { type: 'latency', attributes: { latency: 10 } });
    expect(await call('DELETE', '/proxies/redis')).toMatchObject({ status: 204, text: '' });
    expect(proxies.list()).toEqual([]);
    expect(events).toEqual(['add redis/latency_downstream', 'remove redis/latency_downstream']);
  });

  it('resets with 204: every proxy enabled again and every toxic removed and told', async () => {
    await withRedis();
    await call('POST', '/proxies', { ...redis, name: 'mysql', upstream: '127.0.0.1:3306', enabled: false });
    await call('POST', '/proxies/redis/toxics', { type: 'timeout', attributes: { timeout: 0 } });
    await call('POST', '/proxies/redis/toxics', { type: 'slicer', stream: 'upstream', attributes: { average_size: 10 } });
    expect(await call('POST', '/reset')).toMatchObject({ status: 204, text: '' });
    expect(proxies.list().map((p) => [p.name, p.enabled, p.toxics.length])).toEqual([
      ['redis', true, 0],
      ['mysql', true, 0],
    ]);
    expect(events.filter((e) => e.startsWith('remove')).sort()).toEqual([
      'remove redis/slicer_upstream',
      'remove redis/timeout_downstream',
    ]);
  });

  it('answers /version with JSON, as Toxiproxy 2.x does', async () => {
    const answer = await call('GET', '/version');
    expect(answer).toMatchObject({ status: 200, text: '{"version": "2.12.0-firedrill"}\n', type: 'application/json;charset=utf-8' });
  });

  it("refuses browsers and answers mux's 404 for routes it does not know", async () => {
    expect(await call('GET', '/proxies', undefined, { 'User-Agent': 'Mozilla/5.0 (X11)' })).toMatchObject({
      status: 403,
      text: 'User agent not allowed\n',
    });
    expect(await call('GET', '/nowhere')).toMatchObject({ status: 404, text: '404 page not found\n' });
  });
});

describe('Toxiproxy API: populate', () => {
  const mysql = { name: 'mysql', listen: '127.0.0.1:0', upstream: '127.0.0.1:3306' };

  it('creates the proxies with 201 and leaves one of the same addresses untouched, toxics and all', async () => {
    await withRedis();
    await call('POST', '/proxies/redis/toxics', { type: 'latency', attributes: { latency: 5 } });
    const answer = await call('POST', '/populate', [redis, mysql]);
    expect(answer).toMatchObject({ status: 201, type: 'application/json' });
    const shown = (answer.json as { proxies: { name: string; toxics: unknown[] }[] }).proxies;
    expect(shown.map((p) => [p.name, p.toxics.length])).toEqual([
      ['redis', 1],
      ['mysql', 0],
    ]);
    // Go's JSON of an empty list of proxies is null.
    expect(await call('POST', '/populate', [])).toMatchObject({ status: 201, text: '{"proxies":null}' });
  });

  it('replaces a proxy whose addresses differ and tells the hooks its toxics are gone', async () => {
    await withRedis();
    await call('POST', '/proxies/redis/toxics', { type: 'latency', attributes: { latency: 5 } });
    const answer = await call('POST', '/populate', [{ ...redis, upstream: '127.0.0.1:6380' }]);
    expect(answer).toMatchObject({ status: 201, json: { proxies: [{ name: 'redis', upstream: '127.0.0.1:6380', toxics: [] }] } });
    expect(events).toContain('remove redis/latency_downstream');
  });

  it('takes a list with the same name twice as Toxiproxy does: the later entry replaces the earlier one', async () => {
    const answer = await call('POST', '/populate', [mysql, { ...mysql, upstream: '127.0.0.1:3307' }]);
    expect(answer.status).toBe(201);
    expect((answer.json as { proxies: { upstream: string }[] }).proxies.map((p) => p.upstream)).toEqual([
      '127.0.0.1:3306',
      '127.0.0.1:3307',
    ]);
    expect(proxies.list().map((p) => [p.name, p.upstream])).toEqual([['mysql', '127.0.0.1:3307']]);
  });

  it('checks the whole list first: a missing name or upstream is a 400 with "proxies": null, and nothing is created', async () => {
    for (const [body, error] of [
      [[mysql, { name: 'x', listen: 'a:1' }], 'missing required field: upstream at proxy 2'],
      [[mysql, { upstream: 'a:1' }], 'missing required field: name at proxy 2'],
      [{ proxies: [] }, 'bad request body: expected a JSON array of proxies'],
      ['[{"name": ', expect.stringMatching(/^bad request body: /)],
    ] as const) {
      const answer = await call('POST', '/populate', body);
      expect(answer, JSON.stringify(body)).toMatchObject({
        status: 400,
        type: 'application/json',
        json: { error, status: 400, proxies: null },
      });
      expect(Object.keys(answer.json as object)).toEqual(['error', 'status', 'proxies']);
    }
    expect(proxies.list()).toEqual([]);
  });
});

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
    expect(events).toEqual(['add redis/latency_downstream']);
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
    expect(events).toEqual(['add redis/latency_upstream', 'add redis/latency_upstream', 'add redis/latency_upstream']);
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
    expect(events).toEqual(['add redis/latency_downstream', 'remove redis/latency_downstream']);
  });

  it('shows Firedrill-only toxics with their own type, and will not update them', async () => {
    await withRedis();
    const match = { pathPrefix: '/api' };
    proxies.addToxic('redis', {
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

describe('Toxiproxy API: hooks', () => {
  it('answers 503 and adds nothing when the agent is halted', async () => {
    await withRedis();
    hooks.beforeAdd = () => {
      throw new OperationalError('FD_HALTED', 'the agent is halted: halt-1');
    };
    const answer = await call('POST', '/proxies/redis/toxics', { type: 'latency' });
    expect(answer).toMatchObject({ status: 503, json: { error: 'the agent is halted: halt-1', status: 503 } });
    expect(stored()).toEqual([]);
  });

  it('answers a UserError of a hook with 400 and an update refused by a hook changes nothing', async () => {
    await withRedis();
    await call('POST', '/proxies/redis/toxics', { type: 'latency', attributes: { latency: 1 } });
    hooks.beforeAdd = () => Promise.reject(new UserError('FD_REFUSED', 'not on this proxy'));
    expect(await call('POST', '/proxies/redis/toxics', { type: 'bandwidth' })).toMatchObject({
      status: 400,
      json: { error: 'not on this proxy' },
    });
    expect(await call('POST', '/proxies/redis/toxics/latency_downstream', { attributes: { latency: 9 } })).toMatchObject({ status: 400 });
    expect(stored()).toEqual([
      { id: 'latency_downstream', stream: 'downstream', toxicity: 1, attributes: { type: 'latency', latencyMs: 1, jitterMs: 0 } },
    ]);
  });

  it('closes an announced toxic again when the proxy manager refuses it, naming the Toxiproxy attribute', async () => {
    await withRedis();
    proxies.refuse.add('bandwidth_downstream');
    const answer = await call('POST', '/proxies/redis/toxics', { type: 'bandwidth', attributes: { rate: 0 } });
    expect(answer).toMatchObject({
      status: 400,
      json: { error: 'bad request body: attributes.rate: must be greater than 0 KB/s (got 0)', status: 400 },
    });
    expect(events).toEqual(['add redis/bandwidth_downstream', 'remove redis/bandwidth_downstream']);
    expect(stored()).toEqual([]);
  });

  it('runs concurrent adds of one name one at a time: one wins, the other is a 409 that closes nothing', async () => {
    await withRedis();
    hooks.beforeAdd = async (proxy, spec) => {
      events.push(`add ${proxy}/${spec.id}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    };
    const answers = await Promise.all([1, 2].map(() => call('POST', '/proxies/redis/toxics', { type: 'latency' })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(events).toEqual(['add redis/latency_downstream']);
  });
});
