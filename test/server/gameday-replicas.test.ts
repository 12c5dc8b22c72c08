import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processState } from '../../src/targets/proc.js';
import { eventually } from '../probes/fixtures.js';
import { startReplicas, stopReplicas } from './drill-replicas-fixtures.js';
import type { Replicas } from './drill-replicas-fixtures.js';
import { call } from './fixtures.js';
import { freezeExperiment, gameDayFile, startShopfront } from './gameday-fixtures.js';
import type { Shopfront } from './gameday-fixtures.js';

interface Day {
  state: string;
  progress?: {
    steps: { name: string; state: string; injectedAt?: number; containedAt?: number; verdict?: string }[];
    endedReason?: string;
  };
}

// Two `firedrill server` replicas over one PostgreSQL, one agent: the replica driving a game day
// is killed -9 mid-step; the other carries it on with the same clocks.
describe('a game day across replicas', () => {
  let r: Replicas;
  let shop: Shopfront;
  const token: Record<string, string> = {};

  beforeAll(async () => {
    r = await startReplicas({ claimMs: 2000, run: 'title: quick\nmethod:\n  - { name: w, wait: 10ms }\n' });
    shop = await startShopfront(r.dir);
    for (const [name, role] of [
      ['vic', 'villain'],
      ['rita', 'responder'],
    ] as const) {
      const user = await r.store.users.create(name, [role]);
      token[name] = (await r.store.users.issueToken(user.id, 't')).token;
    }
    for (const [name, yaml] of [
      ['worker-freezes', freezeExperiment(shop.worker.pid ?? 0, '20s')],
      ['quiet-step', 'title: a quiet step\nmethod:\n  - { name: w, wait: 100ms }\n'],
    ])
      expect((await call(r.a.url, 'POST', '/api/v1/experiments', token.vic ?? '', { name, yaml, secret: true })).status).toBe(201);
  }, 90_000);

  afterAll(async () => {
    shop?.stop();
    await stopReplicas(r);
  });

  it('is carried on by the other replica when the one driving it is killed -9, its times kept; the fault is reverted by the agent', async () => {
    expect((await call(r.a.url, 'POST', '/api/v1/gamedays/apply', token.vic ?? '', { yaml: gameDayFile(shop.gatewayUrl) })).status).toBe(
      200,
    );
    const launched = await call(r.a.url, 'POST', '/api/v1/gamedays/worker-freeze/launch', r.token, {});
    expect(launched.status).toBe(200);
    const id = (launched.body.gameday as { id: string }).id;
    const day = async (server = r.b) => (await call(server.url, 'GET', `/api/v1/gamedays/${id}`, r.token)).body.gameday as Day;
    const injectedAt = await eventually(async () => {
      const at = (await day()).progress?.steps[0]?.injectedAt;
      expect(at).toBeDefined();
      return at as number;
    }, 20_000);
    expect(processState(shop.worker.pid ?? 0)).toBe('T');
    const row = () => r.store.db.db.selectFrom('gamedays').select(['owner']).where('id', '=', id).executeTakeFirstOrThrow();
    expect((await row()).owner).toBe(r.replica.get(r.a));

    r.a.child.kill('SIGKILL');
    // The agent reverts the pause once its lease lapses; replica b takes the game day over.
    await eventually(() => expect(processState(shop.worker.pid ?? 0)).not.toBe('T'), 15_000);
    await eventually(async () => expect((await row()).owner).toBe(r.replica.get(r.b)), 15_000);
    await fetch(`${shop.gatewayUrl}/failover`, { method: 'POST' });
    expect((await call(r.b.url, 'POST', `/api/v1/gamedays/${id}/declarations`, token.rita ?? '', { declare: 'contained' })).status).toBe(
      201,
    );
    const ended = await eventually(async () => {
      const now = await day();
      expect(now.state).toBe('ended');
      return now;
    }, 40_000);
    expect(ended.progress?.steps[0]?.injectedAt).toBe(injectedAt); // the clock of the step did not restart
    expect(ended.progress?.steps[0]?.containedAt).toBeGreaterThan(injectedAt);
    expect(ended.progress?.steps.map((s) => s.state)).toEqual(['ended', 'ended']);
    expect(ended.progress?.endedReason).toBe('every step was contained and recovered');
  }, 120_000);
});
