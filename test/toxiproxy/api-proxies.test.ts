import { describe, expect, it } from 'vitest';
import { apiOverRealProxies } from './in-process.js';
import { accepts, freePort, goListenError } from './ports.js';

/*
 * The Toxiproxy API in-process over the real fault proxy registry: proxies, /reset, /version.
 * Every listen address is real, on 127.0.0.1; taken ports are held by real listeners.
 */

const api = apiOverRealProxies({ version: '2.12.0-firedrill', headers: { 'Content-Type': 'application/json' } });
const call = api.call;

const redis = { name: 'redis', listen: '127.0.0.1:0', upstream: '127.0.0.1:6379' };

/** Creates `redis`; the listen address it shows, where it really listens. */
async function withRedis(): Promise<string> {
  const created = await call('POST', '/proxies', redis);
  expect(created.status).toBe(201);
  return (created.json as { listen: string }).listen;
}

describe('Toxiproxy API: proxies', () => {
  it('creates a proxy with 201 and shows it with its bound address, as Toxiproxy does', async () => {
    expect(await call('GET', '/proxies')).toMatchObject({ status: 200, json: {} });
    const created = await call('POST', '/proxies', redis);
    const bound = api.proxies.get('redis')?.address ?? '';
    expect(bound).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    expect(created).toMatchObject({
      status: 201,
      json: { name: 'redis', listen: bound, upstream: '127.0.0.1:6379', enabled: true, toxics: [] },
    });
    expect(Object.keys(created.json as object)).toEqual(['name', 'listen', 'upstream', 'enabled', 'toxics']);
    expect(await accepts(bound)).toBe(true);
    expect((await call('GET', '/proxies')).json).toEqual({ redis: created.json });
    expect((await call('GET', '/proxies/redis')).json).toEqual(created.json);
  });

  it('creates a disabled proxy when asked, showing the listen address it was given, and binds nothing', async () => {
    const port = await freePort();
    const created = await call('POST', '/proxies', { ...redis, listen: `localhost:${port}`, enabled: false });
    expect(created).toMatchObject({ status: 201, json: { listen: `localhost:${port}`, enabled: false } });
    expect(await accepts(`127.0.0.1:${port}`)).toBe(false);
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
    expect(api.proxies.list().map((p) => p.name)).toEqual(['redis']);
  });

  it("answers Go's listen error with 500 when the listen address is taken, and creates nothing", async () => {
    const taken = await api.ports.occupy();
    const answer = await call('POST', '/proxies', { ...redis, listen: taken.address });
    expect(answer).toMatchObject({ status: 500, json: { error: goListenError(taken.error), status: 500 } });
    expect(api.proxies.list()).toEqual([]);
  });

  it('disables and enables a proxy through POST or PATCH, keeping a bound listen address that is sent back', async () => {
    const listen = await withRedis();
    const down = await call('POST', '/proxies/redis', { ...redis, listen, enabled: false });
    expect(down).toMatchObject({ status: 200, json: { enabled: false, listen } });
    expect(api.proxies.get('redis')).toMatchObject({ enabled: false, listen: '127.0.0.1:0' });
    expect(await accepts(listen)).toBe(false);
    const up = await call('PATCH', '/proxies/redis', { enabled: true });
    expect(up).toMatchObject({ status: 200, json: { enabled: true, listen } });
    expect(await accepts(listen)).toBe(true);
  });

  it('moves a proxy to a new listen address, and answers the listen error when it is taken', async () => {
    const before = await withRedis();
    const moved = `127.0.0.1:${await freePort()}`;
    expect(await call('POST', '/proxies/redis', { listen: moved })).toMatchObject({ status: 200, json: { listen: moved } });
    expect(await accepts(moved)).toBe(true);
    expect(await accepts(before)).toBe(false);

    const taken = await api.ports.occupy();
    expect(await call('POST', '/proxies/redis', { listen: taken.address })).toMatchObject({
      status: 500,
      json: { error: goListenError(taken.error) },
    });
    expect(api.proxies.get('redis')).toMatchObject({ listen: moved, enabled: true });
    expect(await accepts(moved)).toBe(true);
  });

  it('deletes a proxy with 204, freeing its port, and tells the hooks its toxics are gone', async () => {
    const listen = await withRedis();
    await call('POST', '/proxies/redis/toxics', { type: 'latency', attributes: { latency: 10 } });
    expect(await call('DELETE', '/proxies/redis')).toMatchObject({ status: 204, text: '' });
    expect(api.proxies.list()).toEqual([]);
    expect(await accepts(listen)).toBe(false);
    expect(api.events).toEqual(['add redis/latency_downstream', 'remove redis/latency_downstream']);
  });

  it('resets with 204: every proxy enabled again and every toxic removed and told', async () => {
    await withRedis();
    await call('POST', '/proxies', { ...redis, name: 'mysql', upstream: '127.0.0.1:3306', enabled: false });
    await call('POST', '/proxies/redis/toxics', { type: 'timeout', attributes: { timeout: 0 } });
    await call('POST', '/proxies/redis/toxics', { type: 'slicer', stream: 'upstream', attributes: { average_size: 10 } });
    expect(await call('POST', '/reset')).toMatchObject({ status: 204, text: '' });
    expect(api.proxies.list().map((p) => [p.name, p.enabled, p.toxics.length])).toEqual([
      ['redis', true, 0],
      ['mysql', true, 0],
    ]);
    expect(await accepts(api.proxies.get('mysql')?.address ?? '')).toBe(true);
    expect(api.events.filter((e) => e.startsWith('remove')).sort()).toEqual([
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
