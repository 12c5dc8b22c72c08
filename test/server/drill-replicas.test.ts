import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { eventually } from '../probes/fixtures.js';
import { exited, troubles } from './drill-fixtures.js';
import { call } from './fixtures.js';
import { launchProbes, startReplicas, stopReplicas } from './drill-replicas-fixtures.js';
import type { LaunchRow, LoggedServer, Replicas } from './drill-replicas-fixtures.js';

const CLAIM_MS = 2000;
const EVERY_MS = 2000;
/** Each run outlives the gap to the next launch: runs of both replicas are in flight when one is killed. */
const RUN = 'title: tick\nmethod:\n  - { name: w, wait: 3s }\n';
const STARTED_BY = 'drill tick';

/** Every 2 s, in the next five minutes of each hour: a bounded number of launches for the test. */
function drillsFile(now: Date): string {
  const minutes = [0, 1, 2, 3, 4].map((i) => (now.getUTCMinutes() + i) % 60).join(',');
  return `
drills:
  - name: tick
    team: ops
    experiment: tick
    preconditions: { concurrency: allow }
    schedule: { cron: "*/2 ${minutes} * * * *", timezone: UTC, startingDeadline: 1m }
`;
}

/**
 * Two `firedrill server` replicas over one PostgreSQL, one agent, one drill due every 2 s. The
 * store's locks put the replicas where races happen, on purpose rather than by luck:
 *   1. both claim the same launch at the same moment;
 *   2. one stalls (SIGSTOP) holding a claim, before naming a run, until the other took it over;
 *   3. one is killed with -9 holding the claim on a due launch it has not started.
 *
 * What the store guarantees, and this checks:
 * - every due (drill, instant) is one row, whichever replicas plan it (a unique key);
 * - one replica at a time holds a launch's claim (a conditional update), and the run is named on
 *   the launch before it starts: a launch gets at most one run, never one per replica;
 * - a launch claimed by a replica that dies before starting its run is taken over by another
 *   once the claim lapses (2 s here) — within its starting deadline (1 m), so it is not missed;
 *   a run the dead replica had started is aborted by the survivor (its claim on the run lapsed),
 *   and its launch keeps that run;
 * - every launch due after the kill is launched by the survivor. A launch would only be missed
 *   if no replica could settle it within its starting deadline: both down for a minute.
 */
describe('drill launches with two replicas over one PostgreSQL', () => {
  let r: Replicas | undefined;
  let a: LoggedServer;
  let b: LoggedServer;
  let store: Store;
  let token: string;
  /** Each replica's id, as its claims and runs carry it. */
  let replica: Map<LoggedServer, string>;

  beforeAll(async () => {
    r = await startReplicas({ claimMs: CLAIM_MS, run: RUN });
    ({ a, b, store, token, replica } = r);
  }, 60_000);

  afterAll(() => stopReplicas(r));

  const { launches, drillRuns, hold, freezeNextClaim, claimed, waitingClaims } = launchProbes(() => store, STARTED_BY);

  it('launches each due launch once, under contention, past a stalled claim and past a replica killed with -9; misses none', async () => {
    const appliedAt = Date.now();
    const applied = await call(a.url, 'POST', '/api/v1/drills/apply', token, { yaml: drillsFile(new Date(appliedAt)) });
    expect(applied.body).toMatchObject({ applied: [{ name: 'tick', created: true }] });
    const failing = (error: unknown) => {
      throw new Error(`${String(error)}\n${troubles(a.log)}\n${troubles(b.log)}`);
    };

    // Both replicas at work for a few launches.
    await eventually(
      async () => expect((await launches()).filter((l) => l.state === 'launched' || l.state === 'ended').length).toBeGreaterThanOrEqual(3),
      20_000,
    ).catch(failing);

    // 1. Both replicas claim the same launch at the same moment: the row is locked until both wait on it.
    const next = (await launches()).find((l) => l.state === 'planned' && l.due_at > Date.now() + 300) as LaunchRow;
    const row = await hold((tx) => sql`SELECT id FROM drill_launches WHERE id = ${next.id} FOR UPDATE`.execute(tx));
    await eventually(async () => expect(await waitingClaims()).toBe(2), 15_000)
      .catch(failing)
      .finally(() => row.release());
    const contended = next.id;

    // 2. A replica stalls past its claim, before naming a run: frozen on the lock, then stopped
    //    (SIGSTOP) and the lock released. The other takes the launch over once the claim lapsed
    //    and launches it; then the first goes on (SIGCONT), and must not launch it too.
    const stall = await freezeNextClaim();
    let stalled: LaunchRow;
    let stalledServer: typeof a;
    try {
      stalled = await claimed();
      stalledServer = replica.get(a) === stalled.claimed_by ? a : b;
      stalledServer.child.kill('SIGSTOP');
    } finally {
      await stall.release();
    }
    try {
      await eventually(async () => {
        const now = (await launches()).find((l) => l.id === stalled.id);
        expect(now?.claimed_by).not.toBe(stalled.claimed_by);
        expect(now?.state).toMatch(/^(launched|ended)$/);
      }, 15_000).catch(failing);
    } finally {
      stalledServer.child.kill('SIGCONT');
    }

    // 3. The next launch is claimed and frozen before its run is named; its replica is killed there.
    const frozen = await freezeNextClaim();
    let stuck: LaunchRow;
    try {
      stuck = await claimed();
    } catch (error) {
      await frozen.release();
      throw error;
    }
    expect(stuck.run_id).toBeNull();
    const victim = replica.get(a) === stuck.claimed_by ? a : b;
    const survivor = victim === a ? b : a;
    const victimId = replica.get(victim) as string;
    const survivorId = replica.get(survivor) as string;
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await exited(victim.child);
    const deadAt = Date.now();
    await frozen.release();

    // The survivor alone, for four launches due after the kill; then the drill is disabled: the period ends.
    await eventually(async () => {
      const ran = (await launches()).filter((l) => l.due_at > killedAt && (l.state === 'launched' || l.state === 'ended'));
      expect(ran.length).toBeGreaterThanOrEqual(4);
    }, 30_000).catch(failing);
    const disabledAt = Date.now();
    expect((await call(survivor.url, 'POST', '/api/v1/drills/tick/disable', token)).status).toBe(200);
    // Everything due by then is settled, every run has ended.
    await eventually(async () => {
      expect((await launches(disabledAt)).filter((l) => l.state === 'planned' || l.state === 'claimed')).toEqual([]);
      expect((await drillRuns()).filter((r) => r.state !== 'ended')).toEqual([]);
    }, 30_000).catch(failing);

    const rows = await launches(disabledAt);
    const runs = await drillRuns();
    const runOf = new Map(runs.map((r) => [r.id, r]));
    const launchOf = new Map(rows.map((l) => [l.id, l]));
    const first = rows[0]?.due_at ?? 0;
    const who = (id: string | null | undefined) => (id === survivorId ? 'survivor' : id === victimId ? 'victim' : String(id));
    const context = [
      'launches (due, state, claimed by, run, its owner, verdict):',
      ...rows.map(
        (l) =>
          `  +${(l.due_at - first) / 1000}s ${l.state} ${who(l.claimed_by)} ${l.run_id} ${who(runOf.get(l.run_id ?? '')?.owner)} ${l.verdict}`,
      ),
      `runs: ${runs.map((r) => `${r.id} ${who(r.owner)} ${r.verdict}`).join(', ')}`,
      troubles(survivor.log),
    ].join('\n');

    // One row per due instant, every 2 s from the first planned one up to the end, none left out.
    expect(first).toBeLessThanOrEqual(appliedAt + 5000); // planned by the first ticks after the apply
    const instants = Array.from({ length: Math.floor((disabledAt - first) / EVERY_MS) + 1 }, (_, i) => first + i * EVERY_MS);
    expect(rows.map((l) => l.due_at)).toEqual(instants);

    // Each launched — none missed, skipped or failed — except those the disable reached first.
    for (const launch of rows) {
      if (launch.state === 'skipped') {
        expect(launch.reason, context).toMatch(/removed or disabled/);
        expect(launch.ended_at, context).toBeGreaterThanOrEqual(disabledAt);
      } else {
        expect(['launched', 'ended'], context).toContain(launch.state);
      }
    }
    const launched = rows.filter((l) => l.state === 'launched' || l.state === 'ended');
    // At most one run per launch: the drill's runs are exactly the runs its launches name.
    expect(runs.length, context).toBe(launched.length);
    expect(runs.map((r) => r.id).sort(), context).toEqual(launched.map((l) => l.run_id).sort());

    // 1. The contended launch: launched once (the count above), by whichever replica won it.
    expect(launchOf.get(contended)?.state, context).toMatch(/^(launched|ended)$/);
    // 2. The stalled launch: launched by the replica that took it over, with one run (the count above).
    const other = [...replica.values()].find((id) => id !== stalled.claimed_by);
    expect(launchOf.get(stalled.id), context).toMatchObject({ state: expect.stringMatching(/^(launched|ended)$/), claimed_by: other });
    expect(runOf.get(launchOf.get(stalled.id)?.run_id ?? '')?.owner, context).toBe(other);
    // 3. The frozen launch: taken over by the survivor once the dead replica's claim lapsed, and launched.
    const taken = launchOf.get(stuck.id) as LaunchRow;
    expect(taken, context).toMatchObject({ state: expect.stringMatching(/^(launched|ended)$/), claimed_by: survivorId });
    const takenRun = runOf.get(taken.run_id ?? '');
    expect(takenRun?.owner).toBe(survivorId);
    expect(takenRun?.created_at).toBeGreaterThanOrEqual(stuck.claim_expires_at ?? Infinity);
    expect(taken.launched_at).toBeLessThanOrEqual(taken.due_at + 60_000);

    // After the kill, the survivor launched every one.
    const after = launched.filter((l) => l.due_at > killedAt);
    expect(after.length).toBeGreaterThanOrEqual(4);
    for (const launch of after) {
      expect(launch.claimed_by, context).toBe(survivorId);
      expect(runOf.get(launch.run_id ?? '')?.owner, context).toBe(survivorId);
    }
    // A run the dead replica was executing was ended by the survivor, aborted; its launch kept it.
    const orphans = runs.filter((r) => r.owner === victimId && (r.ended_at ?? 0) >= deadAt);
    for (const run of orphans) {
      expect(run, context).toMatchObject({ verdict: 'aborted', reason: expect.stringContaining('stopped renewing its claim') });
      expect(launched.find((l) => l.run_id === run.id)?.verdict, context).toBe('aborted');
    }

    // The API tells the same story (a launch goes from launched to ended just after its run: either is "ran").
    const calendar = await call(survivor.url, 'GET', `/api/v1/drills/calendar?since=${first}&until=${disabledAt + 1}`, token);
    const story = (dueAt: number, state: string, runId: string | null) => [dueAt, state === 'skipped' ? state : 'ran', runId];
    expect(
      (calendar.body.launches as { dueAt: number; state: string; runId: string | null }[]).map((l) => story(l.dueAt, l.state, l.runId)),
    ).toEqual(rows.map((l) => story(l.due_at, l.state, l.run_id)));
  }, 120_000);
});
