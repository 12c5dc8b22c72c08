import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { eventually } from '../probes/fixtures.js';
import { call } from './fixtures.js';
import { launchProbes, startReplicas, stopReplicas } from './drill-replicas-fixtures.js';
import type { LoggedServer, Replicas } from './drill-replicas-fixtures.js';

const CLAIM_MS = 2000;
/** Each run outlives the gap to the next launch: runs of both replicas are in flight when one is killed. */
const RUN = 'title: tick\nmethod:\n  - { name: w, wait: 3s }\n';
const STARTED_BY = 'drill tick';

/**
 * Two replicas over one PostgreSQL; the store's locks stall the first holder of a launch's claim
 * (SIGSTOP) between its claim and naming its run, until the other replica takes the lapsed claim
 * over: whichever names the run, the launch gets one run (the taker starts the named one under
 * its id, so the store takes one insert).
 */
describe('a drill launch whose claim holder stalls, with two replicas over one PostgreSQL', () => {
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
