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
    // Claimed and not lapsed: not due for anyone; lapsed: due again, and taken over by one.
    expect((await store.drills.due(4000)).map((l) => l.dueAt)).toEqual([2000, 3000]);
    expect((await store.drills.due(6000)).map((l) => l.dueAt)).toEqual([1000, 2000, 3000]);
    expect(await other.drills.claim(due?.id ?? '', 'taker', 6000, 9000)).toBe(true);
    expect(await store.drills.claim(due?.id ?? '', 'late', 6000, 9000)).toBe(false);
    // The taker names its run before starting it, then settles.
    expect(await other.drills.attachRun(due?.id ?? '', 'someone-else', 'r-x')).toBe(false);
    expect(await other.drills.attachRun(due?.id ?? '', 'taker', 'r-1')).toBe(true);
    await other.drills.settle(due?.id ?? '', { state: 'launched', runId: 'r-1', at: 6100 });
    expect(await store.drills.runEnded('r-1', 'passed', 9000)).toMatchObject({ state: 'ended', verdict: 'passed', launchedAt: 6100 });
    await store.drills.settle((await store.drills.due(6000))[0]?.id ?? '', { state: 'skipped', reason: 'in blackout xmas', at: 6200 });
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
