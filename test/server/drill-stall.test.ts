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
import { loggedServer, sleep, stopAll } from './drill-fixtures.js';
import { call, startAgent } from './fixtures.js';

const CLAIM_MS = 2000;
/** Each run outlives the gap to the next launch: runs of both replicas are in flight when one is killed. */
const RUN = 'title: tick\nmethod:\n  - { name: w, wait: 3s }\n';
const STARTED_BY = 'drill tick';

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
 * Two `firedrill server` replicas over one PostgreSQL, one agent, one drill due every 2 s; one
 * replica is killed with -9 while it holds the claim on a due launch it has not started.
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

  it('starts one run for a launch whose first holder stalls past its claim while another replica takes it over', async () => {
    const due = Math.ceil((Date.now() + 3000) / 1000) * 1000;
    const yaml = `
drills:
  - name: tick
    team: ops
    experiment: tick
    preconditions: { concurrency: allow }
    schedule: { once: "${new Date(due).toISOString().replace(/\.\d+Z$/, 'Z')}", startingDeadline: 1m }
`;
    expect((await call(a.url, 'POST', '/api/v1/drills/apply', token, { yaml })).status).toBe(200);
    const frozen = await freezeNextClaim();
    const first = await claimed();
    const x = replica.get(a) === first.claimed_by ? a : b;
    x.child.kill('SIGSTOP');
    await frozen.release();
    const row = await hold((tx) => sql`SELECT id FROM drill_launches WHERE id = ${first.id} FOR UPDATE`.execute(tx));
    x.child.kill('SIGCONT');
    const waiting = async (like: string) =>
      (
        await sql<{ n: number }>`SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE ${like}`.execute(
          store.db.db,
        )
      ).rows[0]?.n;
    await eventually(async () => expect(await waiting('update "drill_launches" set "run_id"%')).toBe(1), 10_000);
    await eventually(async () => expect(await waitingClaims()).toBe(1), 10_000);
    await row.release();
    // Both replicas went on, the taker with the row as it is: whichever named the run, there is one run.
    await eventually(async () => expect((await launches()).map((l) => l.state)).toEqual(['ended']), 20_000);
    const runs = await drillRuns();
    expect(runs.map((r) => r.id)).toEqual([(await launches())[0]?.run_id]);
  }, 60_000);
});
