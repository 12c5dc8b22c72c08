import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Transaction } from 'kysely';
import { expect } from 'vitest';
import type { StoreTables } from '../../src/store/schema.js';
import { Store } from '../../src/store/store.js';
import { eventually } from '../probes/fixtures.js';
import { storeSite } from '../store/fixtures.js';
import type { StoreSite } from '../store/fixtures.js';
import { loggedServer, sleep, stopAll } from './drill-fixtures.js';
import { call, startAgent } from './fixtures.js';

export type LoggedServer = Awaited<ReturnType<typeof loggedServer>>;

export interface LaunchRow {
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

/** Two `firedrill server` replicas over one PostgreSQL the test starts, one agent, the experiment `tick` stored. */
export interface Replicas {
  readonly site: StoreSite;
  readonly dir: string;
  readonly agent: ChildProcess;
  readonly a: LoggedServer;
  readonly b: LoggedServer;
  readonly store: Store;
  readonly token: string;
  /** Each replica's id, as its claims and runs carry it. */
  readonly replica: Map<LoggedServer, string>;
}

export async function startReplicas(options: { claimMs: number; run: string }): Promise<Replicas> {
  const site = await storeSite('postgres');
  const database = await site.location();
  const dir = mkdtempSync(join(tmpdir(), 'fd-drill-replicas-'));
  const agent = await startAgent(join(dir, '.firedrill'));
  const args = ['--database', database, '--run-lease', '1s', '--lease-ttl', '1s'];
  const drillArgs = ['--drill-claim', `${options.claimMs / 1000}s`, '--drill-tick', '100ms'];
  const a = await loggedServer(dir, ...args, ...drillArgs);
  const b = await loggedServer(dir, ...args, ...drillArgs);
  const store = await Store.open(database);
  const user = await store.users.create('fac', ['facilitator']);
  const token = (await store.users.issueToken(user.id, 't')).token;
  expect((await call(a.url, 'POST', '/api/v1/experiments', token, { name: 'tick', yaml: options.run })).status).toBe(201);
  // A run started through a replica is owned by it: that tells its id.
  const replica = new Map<LoggedServer, string>();
  for (const server of [a, b]) {
    const started = await call(server.url, 'POST', '/api/v1/runs', token, { yaml: 'title: who\nmethod:\n  - { name: w, wait: 10ms }\n' });
    const run = await store.runs.get((started.body.run as { id: string }).id);
    replica.set(server, run?.owner ?? '');
  }
  expect(new Set(replica.values()).size).toBe(2);
  return { site, dir, agent, a, b, store, token, replica };
}

export async function stopReplicas(r: Replicas | undefined): Promise<void> {
  if (!r) return;
  await stopAll([r.a.child, r.b.child, r.agent]);
  await r.store.close();
  rmSync(r.dir, { recursive: true, force: true });
  await r.site.close();
}

/** What the tests read and lock in the replicas' store; `store` is asked for at each call (it exists once started). */
export function launchProbes(storeOf: () => Store, startedBy: string) {
  const launches = async (until = Number.MAX_SAFE_INTEGER) =>
    (await storeOf()
      .db.db.selectFrom('drill_launches')
      .selectAll()
      .where('due_at', '<=', until)
      .orderBy('due_at')
      .execute()) as LaunchRow[];
  const drillRuns = () => storeOf().db.db.selectFrom('runs').selectAll().where('started_by', '=', startedBy).execute();

  /** Runs `lock` in a transaction kept open until `release`: what it locked stays locked until then. */
  async function hold(lock: (tx: Transaction<StoreTables>) => Promise<unknown>): Promise<{ release(): Promise<void> }> {
    let release = () => undefined as void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked = () => undefined as void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const held = storeOf()
      .db.db.transaction()
      .execute(async (tx) => {
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
        WHERE wait_event_type = 'Lock' AND query LIKE 'update "drill_launches" set "state" = $1, "claimed_by" = $2%'`.execute(
        storeOf().db.db,
      )
    ).rows[0]?.n;
  return { launches, drillRuns, hold, freezeNextClaim, claimed, waitingClaims };
}
