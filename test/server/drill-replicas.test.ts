import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreTables } from '../../src/store/schema.js';
import { Store } from '../../src/store/store.js';
import { eventually } from '../probes/fixtures.js';
import { storeSite } from '../store/fixtures.js';
import type { StoreSite } from '../store/fixtures.js';
import { exited, loggedServer, sleep, stopAll, troubles } from './drill-fixtures.js';
import { call, startAgent } from './fixtures.js';

const CLAIM_MS = 2000;
const EVERY_MS = 2000;
/** Each run outlives the gap to the next launch: runs of both replicas are in flight when one is killed. */
const RUN = 'title: tick\nmethod:\n  - { name: w, wait: 3s }\n';
const STARTED_BY = 'drill tick';

/**
 * Every 2 s — but only in the next five minutes of each hour: a drill's launches are planned 24 h
 * ahead in ONE insert, and `*∕2 * * * * *` (43,200 launches, 4 values each) is past what
 * PostgreSQL takes in one statement (65,535 parameters): the scheduler's tick fails on every pass
 * and no drill launches at all. Five minutes an hour (3,600 launches a day) is well under it.
 */
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

interface LaunchRow {
  id: string;
  due_at: number;
  state: string;
  reason: string | null;
  run_id: string | null;
  claimed_by: string | null;
  claim_expires_at: number | null;
  launched_at: number | null;
  ended_at: number | null;
  verdict: string | null;
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
  let site: StoreSite;
  let dir: string;
  let agent: ChildProcess;
  let a: Awaited<ReturnType<typeof loggedServer>>;
  let b: Awaited<ReturnType<typeof loggedServer>>;
  let store: Store;
  let token: string;
  /** Each replica's id, as its claims and runs carry it. */
  const replica = new Map<Awaited<ReturnType<typeof loggedServer>>, string>();

  beforeAll(async () => {
    site = await storeSite('postgres');
    const database = await site.location();
    dir = mkdtempSync(join(tmpdir(), 'fd-drill-replicas-'));
    agent = await startAgent(join(dir, '.firedrill'));
    const args = ['--database', database, '--run-lease', '1s', '--lease-ttl', '1s'];
    const drillArgs = ['--drill-claim', `${CLAIM_MS / 1000}s`, '--drill-tick', '100ms'];
    a = await loggedServer(dir, ...args, ...drillArgs);
    b = await loggedServer(dir, ...args, ...drillArgs);
    store = await Store.open(database);
    const user = await store.users.create('fac', ['facilitator']);
    token = (await store.users.issueToken(user.id, 't')).token;
    expect((await call(a.url, 'POST', '/api/v1/experiments', token, { name: 'tick', yaml: RUN })).status).toBe(201);
    // A run started through a replica is owned by it: that tells its id.
    for (const server of [a, b]) {
      const started = await call(server.url, 'POST', '/api/v1/runs', token, { yaml: 'title: who\nmethod:\n  - { name: w, wait: 10ms }\n' });
      const run = await store.runs.get((started.body.run as { id: string }).id);
      replica.set(server, run?.owner ?? '');
    }
    expect(new Set(replica.values()).size).toBe(2);
  }, 60_000);

  afterAll(async () => {
    await stopAll([a?.child, b?.child, agent]);
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await site?.close();
  });

  const launches = async (until = Number.MAX_SAFE_INTEGER) =>
    (await store.db.db.selectFrom('drill_launches').selectAll().where('due_at', '<=', until).orderBy('due_at').execute()) as LaunchRow[];
  const drillRuns = () => store.db.db.selectFrom('runs').selectAll().where('started_by', '=', STARTED_BY).execute();

  /** Runs `lock` in a transaction kept open until `release`: what it locked stays locked until then. */
  async function hold(lock: (tx: Transaction<StoreTables>) => Promise<unknown>): Promise<{ release(): Promise<void> }> {
    let release = () => undefined as void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked = () => undefined as void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const held = store.db.db.transaction().execute(async (tx) => {
      await lock(tx);
      locked();
      await released;
    });
    await Promise.race([isLocked, held]);
    return { release: async () => (release(), await held) };
  }

  /**
   * Locks `incidents` — read by a replica between claiming a launch and naming its run (the "no
   * incident open" precondition) — once no launch is claimed: the replica that claims the next one
   * stops right there, claim held, no run named or started, until `release`.
   */
  async function freezeNextClaim(): Promise<{ release(): Promise<void> }> {
    for (;;) {
      const frozen = await hold((tx) => sql`LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE`.execute(tx));
      if ((await launches()).every((l) => l.state !== 'claimed')) return frozen;
      await frozen.release(); // a claim taken before the lock may be past the incidents already
      await sleep(50);
    }
  }

  /** The first launch in state `claimed`, once there is one (and, with `by`, claimed by that replica). */
  const claimed = (by?: string) =>
    eventually(async () => {
      const found = (await launches()).find((l) => l.state === 'claimed' && (by === undefined || l.claimed_by === by));
      expect(found).toBeDefined();
      return found as LaunchRow;
    }, 15_000);

  /** Backends waiting for a lock in the claim's conditional update. */
  const waitingClaims = async () =>
    (
      await sql<{ n: number }>`SELECT count(*) AS n FROM pg_stat_activity
        WHERE wait_event_type = 'Lock' AND query LIKE 'update "drill_launches" set "state" = $1, "claimed_by" = $2%'`.execute(store.db.db)
    ).rows[0]?.n;

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
