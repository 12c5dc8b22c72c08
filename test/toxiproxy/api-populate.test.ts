import { describe, expect, it } from 'vitest';
import { apiOverRealProxies } from './in-process.js';

/* POST /populate through the Toxiproxy API, in-process over the real fault proxy registry. */

const api = apiOverRealProxies({ version: '2.12.0-firedrill', headers: { 'Content-Type': 'application/json' } });
const call = api.call;

const redis = { name: 'redis', listen: '127.0.0.1:0', upstream: '127.0.0.1:6379' };
const mysql = { name: 'mysql', listen: '127.0.0.1:0', upstream: '127.0.0.1:3306' };

async function withRedis(): Promise<void> {
  expect((await call('POST', '/proxies', redis)).status).toBe(201);
}

describe('Toxiproxy API: populate', () => {
  it('creates the proxies with 201 and leaves one of the same addresses untouched, toxics and all', async () => {
    await withRedis();
    const bound = api.proxies.get('redis')?.address;
    await call('POST', '/proxies/redis/toxics', { type: 'latency', attributes: { latency: 5 } });
    const answer = await call('POST', '/populate', [redis, mysql]);
    expect(answer).toMatchObject({ status: 201, type: 'application/json' });
    const shown = (answer.json as { proxies: { name: string; toxics: unknown[] }[] }).proxies;
    expect(shown.map((p) => [p.name, p.toxics.length])).toEqual([
      ['redis', 1],
      ['mysql', 0],
    ]);
    // Untouched: still on the port it had.
    expect(api.proxies.get('redis')?.address).toBe(bound);
    // Go's JSON of an empty list of proxies is null.
    expect(await call('POST', '/populate', [])).toMatchObject({ status: 201, text: '{"proxies":null}' });
  });

  it('replaces a proxy whose addresses differ and tells the hooks its toxics are gone', async () => {
    await withRedis();
    await call('POST', '/proxies/redis/toxics', { type: 'latency', attributes: { latency: 5 } });
    const answer = await call('POST', '/populate', [{ ...redis, upstream: '127.0.0.1:6380' }]);
    expect(answer).toMatchObject({ status: 201, json: { proxies: [{ name: 'redis', upstream: '127.0.0.1:6380', toxics: [] }] } });
    expect(api.proxies.get('redis')).toMatchObject({ upstream: '127.0.0.1:6380', toxics: [] });
    expect(api.events).toContain('remove redis/latency_downstream');
  });

  it('takes a list with the same name twice as Toxiproxy does: the later entry replaces the earlier one', async () => {
    const answer = await call('POST', '/populate', [mysql, { ...mysql, upstream: '127.0.0.1:3307' }]);
    expect(answer.status).toBe(201);
    expect((answer.json as { proxies: { upstream: string }[] }).proxies.map((p) => p.upstream)).toEqual([
      '127.0.0.1:3306',
      '127.0.0.1:3307',
    ]);
    expect(api.proxies.list().map((p) => [p.name, p.upstream])).toEqual([['mysql', '127.0.0.1:3307']]);
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
    expect(api.proxies.list()).toEqual([]);
  });
});
