import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { DIALECTS, storeSite } from './fixtures.js';
import type { StoreSite } from './fixtures.js';

const DRILL = {
  name: 'catalog-monkey',
  title: 'A catalog replica switched off',
  team: 'shop',
  kind: 'monkey',
  announcement: 'unannounced' as const,
  facilitator: 'alice',
  spec: { schedule: { cron: '0 2 * * *' } },
  yaml: 'name: catalog-monkey\n',
  author: 'alice',
};

describe.each(DIALECTS)('drills in the store on %s', (dialect) => {
  let site: StoreSite;
  let store: Store;
  let other: Store;

  beforeAll(async () => {
    site = await storeSite(dialect);
    const location = await site.location();
    store = await Store.open(location);
    other = await Store.open(location); // a second replica's connection
  }, 60_000);

  afterAll(async () => {
    await other?.close();
    await store?.close();
    await site?.close();
  });

  it('applies a drill by name: created once, then its definition replaced', async () => {
    const first = await store.drills.apply(DRILL);
    expect(first.created).toBe(true);
    const again = await store.drills.apply({ ...DRILL, title: 'Renamed', spec: { v: 2 } });
    expect(again).toMatchObject({ created: false, drill: { id: first.drill.id, title: 'Renamed', spec: { v: 2 }, enabled: true } });
    expect((await store.drills.list()).map((d) => d.name)).toEqual(['catalog-monkey']);
  });

  it('plans a launch once however many replicas plan it, and lets exactly one of ten concurrent claims win', async () => {
    const { drill } = await store.drills.apply({ ...DRILL, name: 'claimed' });
    await Promise.all([store.drills.plan(drill.id, [1000, 2000]), other.drills.plan(drill.id, [1000, 2000, 3000])]);
    const planned = await store.drills.launches({ since: 0, until: 10_000, drillId: drill.id });
    expect(planned.map((l) => [l.dueAt, l.state])).toEqual([
      [1000, 'planned'],
      [2000, 'planned'],
      [3000, 'planned'],
    ]);
    const [due] = await store.drills.due(1500);
    expect(due?.dueAt).toBe(1000);
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? store : other).drills.claim(due?.id ?? '', `replica-${i}`, 1500, 5000)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    const winner = (all: readonly unknown[]) => `replica-${all.findIndex(Boolean)}`;
    // Claimed and not lapsed: not due for anyone; lapsed: due again, and taken over by one.
    expect((await store.drills.due(4000)).map((l) => l.dueAt)).toEqual([2000, 3000]);
    expect((await store.drills.due(6000)).map((l) => l.dueAt)).toEqual([1000, 2000, 3000]);
    // The first holder names its run while its claim holds…
    expect(await store.drills.attachRun(due?.id ?? '', winner(claims), 'r-0', 1600)).toBe(true);
    // …then stalls past it: it may neither name another run nor settle; the taker sees the run it named.
    expect(await store.drills.attachRun(due?.id ?? '', winner(claims), 'r-late', 5001)).toBe(false);
    const taken = await other.drills.claim(due?.id ?? '', 'taker', 6000, 9000);
    expect(taken).toMatchObject({ state: 'claimed', claimedBy: 'taker', runId: 'r-0' });
    expect(await store.drills.claim(due?.id ?? '', 'late', 6000, 9000)).toBeUndefined();
    expect(await store.drills.settle(due?.id ?? '', winner(claims), { state: 'skipped', reason: 'stale', at: 6050 })).toBe(false);
    expect(await other.drills.attachRun(due?.id ?? '', 'someone-else', 'r-x', 6000)).toBe(false);
    expect(await other.drills.settle(due?.id ?? '', 'taker', { state: 'launched', runId: 'r-0', at: 6100 })).toBe(true);
    expect(await store.drills.runEnded('r-0', { verdict: 'passed', reason: 'held' }, 9000)).toMatchObject({
      state: 'ended',
      verdict: 'passed',
      launchedAt: 6100,
    });
    const blackedOut = (await store.drills.due(6000))[0]?.id ?? '';
    expect(await store.drills.claim(blackedOut, 'taker', 6000, 9000)).toBeDefined();
    expect(await store.drills.settle(blackedOut, 'taker', { state: 'skipped', reason: 'in blackout xmas', at: 6200 })).toBe(true);
    expect((await store.drills.launches({ since: 0, until: 10_000, drillId: drill.id })).map((l) => [l.state, l.reason])).toEqual([
      ['ended', null],
      ['skipped', 'in blackout xmas'],
      ['planned', null],
    ]);
    // A changed schedule forgets what was planned, not what happened.
    await store.drills.unplan(drill.id, 0);
    expect((await store.drills.launches({ since: 0, until: 10_000, drillId: drill.id })).map((l) => l.state)).toEqual(['ended', 'skipped']);
    expect((await store.drills.lastLaunched()).get(drill.id)).toBe(6100);
  });

  it('plans a day of launches every two seconds in batches, and takes a not-steady end as a skip', async () => {
    const { drill } = await store.drills.apply({ ...DRILL, name: 'frequent' });
    const every2s = Array.from({ length: 43_200 }, (_, i) => 10_000_000 + i * 2000);
    await store.drills.plan(drill.id, every2s);
    expect(await store.drills.launches({ since: 0, until: 2 ** 45, drillId: drill.id, limit: 50_000 })).toHaveLength(43_200);
    const [first] = await store.drills.due(10_000_000);
    await store.drills.claim(first?.id ?? '', 'r', 10_000_000, 10_100_000);
    await store.drills.attachRun(first?.id ?? '', 'r', 'r-ns', 10_000_001);
    await store.drills.settle(first?.id ?? '', 'r', { state: 'launched', runId: 'r-ns', at: 10_000_002 });
    expect(await store.drills.runEnded('r-ns', { verdict: 'not-steady', reason: 'the gateway answered 503' }, 10_000_003)).toMatchObject({
      state: 'skipped',
      verdict: 'not-steady',
      reason: 'the system was not steady: the gateway answered 503',
    });
  });

  it("forgets settled launches older than the history, but each drill's last one launched and anything not settled", async () => {
    const { drill } = await store.drills.apply({ ...DRILL, name: 'pruned' });
    const { drill: quiet } = await store.drills.apply({ ...DRILL, name: 'pruned-quiet' });
    const row = (drillId: string, dueAt: number, state: string, launchedAt: number | null) => ({
      id: `${drillId}-${dueAt}`,
      drill_id: drillId,
      due_at: dueAt,
      state,
      reason: null,
      run_id: null,
      claimed_by: null,
      claim_expires_at: null,
      launched_at: launchedAt,
      ended_at: null,
      verdict: null,
      revealed_at: null,
    });
    await store.db.db
      .insertInto('drill_launches')
      .values([
        row(drill.id, 100, 'ended', 100),
        row(drill.id, 200, 'skipped', null),
        row(drill.id, 300, 'ended', 300), // its last one launched, old as it is
        row(drill.id, 400, 'planned', null), // not settled
        row(drill.id, 5000, 'missed', null), // recent
        row(quiet.id, 150, 'missed', null),
      ])
      .execute();
    expect(await store.drills.prune(1000)).toBe(3);
    const left = await store.drills.launches({ since: 0, until: 10_000 });
    expect(left.filter((l) => l.drillId === drill.id || l.drillId === quiet.id).map((l) => [l.dueAt, l.state])).toEqual([
      [300, 'ended'],
      [400, 'planned'],
      [5000, 'missed'],
    ]);
    expect((await store.drills.lastLaunched()).get(drill.id)).toBe(300);
  });

  it('keeps blackouts per team and global, and open incidents per team', async () => {
    await store.blackouts.replace(null, [{ name: 'black-friday', spec: { from: '2026-11-23', to: '2026-11-29' } }], 'alice');
    await store.blackouts.replace('shop', [{ name: 'xmas', spec: { from: '2026-12-21', to: '2026-12-27' } }], 'alice');
    await store.blackouts.replace('shop', [{ name: 'xmas-2', spec: {} }], 'alice');
    expect((await store.blackouts.list()).map((b) => [b.team, b.name])).toEqual([
      [null, 'black-friday'],
      ['shop', 'xmas-2'],
    ]);
    const global = await store.incidents.open({ team: null, title: 'payments down', by: 'bob' });
    await store.incidents.open({ team: 'data', title: 'replica lag', by: 'bob' });
    expect((await store.incidents.openOnes('shop')).map((i) => i.title)).toEqual(['payments down']);
    expect((await store.incidents.openOnes('data')).map((i) => i.title)).toEqual(['payments down', 'replica lag']);
    expect(await store.incidents.close(global.id, 'bob')).toBe(true);
    expect(await store.incidents.close(global.id, 'bob')).toBe(false);
    expect(await store.incidents.openOnes('shop')).toEqual([]);
  });
});
