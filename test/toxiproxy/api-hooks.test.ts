import { describe, expect, it } from 'vitest';
import { OperationalError, UserError } from '../../src/errors.js';
import type { ToxicSpec } from '../../src/proxy/api.js';
import { apiOverRealProxies } from './in-process.js';

/* What the agent's hooks hear of toxics, and what they may refuse; over the real fault proxy registry. */

const api = apiOverRealProxies({ version: '2.12.0-firedrill', headers: { 'Content-Type': 'application/json' } });
const call = api.call;

const redis = { name: 'redis', listen: '127.0.0.1:0', upstream: '127.0.0.1:6379' };

async function withRedis(): Promise<void> {
  expect((await call('POST', '/proxies', redis)).status).toBe(201);
}

const stored = (proxy = 'redis'): readonly ToxicSpec[] => api.proxies.get(proxy)?.toxics ?? [];

describe('Toxiproxy API: hooks', () => {
  it('answers 503 and adds nothing when the agent is halted', async () => {
    await withRedis();
    api.hooks.beforeAdd = () => {
      throw new OperationalError('FD_HALTED', 'the agent is halted: halt-1');
    };
    const answer = await call('POST', '/proxies/redis/toxics', { type: 'latency' });
    expect(answer).toMatchObject({ status: 503, json: { error: 'the agent is halted: halt-1', status: 503 } });
    expect(stored()).toEqual([]);
  });

  it('answers a UserError of a hook with 400 and an update refused by a hook changes nothing', async () => {
    await withRedis();
    await call('POST', '/proxies/redis/toxics', { type: 'latency', attributes: { latency: 1 } });
    api.hooks.beforeAdd = () => Promise.reject(new UserError('FD_REFUSED', 'not on this proxy'));
    expect(await call('POST', '/proxies/redis/toxics', { type: 'bandwidth' })).toMatchObject({
      status: 400,
      json: { error: 'not on this proxy' },
    });
    expect(await call('POST', '/proxies/redis/toxics/latency_downstream', { attributes: { latency: 9 } })).toMatchObject({ status: 400 });
    expect(stored()).toEqual([
      { id: 'latency_downstream', stream: 'downstream', toxicity: 1, attributes: { type: 'latency', latencyMs: 1, jitterMs: 0 } },
    ]);
  });

  it('closes an announced toxic again when the proxy manager refuses it, and answers 400', async () => {
    await withRedis();
    // Toxiproxy takes a name of any length; the fault proxy refuses toxic ids over 200 characters.
    const name = 'n'.repeat(201);
    const answer = await call('POST', '/proxies/redis/toxics', { name, type: 'bandwidth', attributes: { rate: 10 } });
    // Named as Toxiproxy names it: `name`, not the fault proxy's `id`.
    expect(answer).toMatchObject({
      status: 400,
      json: { error: expect.stringMatching(/^bad request body: name: must be at most 200 characters/), status: 400 },
    });
    expect(api.events).toEqual([`add redis/${name}`, `remove redis/${name}`]);
    expect(stored()).toEqual([]);
  });

  it('runs concurrent adds of one name one at a time: one wins, the other is a 409 that closes nothing', async () => {
    await withRedis();
    api.hooks.beforeAdd = async (proxy, spec) => {
      api.events.push(`add ${proxy}/${spec.id}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    };
    const answers = await Promise.all([1, 2].map(() => call('POST', '/proxies/redis/toxics', { type: 'latency' })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(api.events).toEqual(['add redis/latency_downstream']);
  });
});
