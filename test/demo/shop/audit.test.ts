import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditOrders } from '../../../src/demo/shop/audit.js';
import type { DatabasePair } from '../../../src/demo/shop/writable.js';
import { findPostgresBinaries } from '../../../src/postgres/binaries.js';
import { connect, endQuietly } from '../../../src/postgres/connect.js';
import { freePort } from '../../probes/fixtures.js';
import { startTestCluster } from '../../postgres/fixtures.js';
import type { TestCluster } from '../../postgres/fixtures.js';

const binaries = findPostgresBinaries();

/**
 * The load generator keeps one array of acknowledged ids and pushes to it whenever a 201
 * arrives — also while an audit of that very array is waiting for the database. Here the
 * audit's query is held on a table lock, and a timer acknowledges one more order 10–22 ms into
 * the audit, as a retried order did in drill 6 (acknowledged after the gateway's 5 s per-try
 * limit, while the audit ran).
 */
describe.skipIf(!binaries)('the order audit while orders keep being acknowledged', () => {
  let db: TestCluster;
  let pair: DatabasePair;
  /** Orders stored and acknowledged before any audit starts. */
  const stored = Array.from({ length: 2000 }, () => randomUUID());

  beforeAll(async () => {
    db = await startTestCluster('audit', 'shop');
    // The shop's database: a primary that takes writes; nothing listens on the replica's port.
    pair = { primary: db.endpoint('shop'), replica: { ...db.endpoint('shop'), port: await freePort() } };
    await db.sql('shop', 'CREATE TABLE orders (id uuid PRIMARY KEY)');
    await db.sql('shop', 'INSERT INTO orders SELECT unnest($1::uuid[])', [stored]);
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
  });

  /** Stores an order the way the orders service does before its 201: committed first. */
  const store = (id: string) => db.sql('shop', 'INSERT INTO orders VALUES ($1)', [id]);

  /**
   * Runs one audit of the live list `acked` while its query waits on a lock of the orders
   * table. Timers push `late[0..12]` onto `acked` 10, 11, … 22 ms after the audit started, and
   * the last id the moment the audit's query is seen waiting (its ids already read); the lock
   * is let go only then, so every one of them is acknowledged while the audit runs.
   */
  async function auditWhileAcknowledging(acked: string[], late: readonly string[]) {
    const locker = await connect(db.endpoint('shop'));
    const timers: NodeJS.Timeout[] = [];
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE orders IN ACCESS EXCLUSIVE MODE');
      const audit = auditOrders(pair, acked);
      const timed = late.slice(0, -1);
      let fired = 0;
      timed.forEach((id, i) =>
        timers.push(
          setTimeout(() => {
            acked.push(id);
            fired += 1;
          }, 10 + i),
        ),
      );
      while (fired < timed.length || !(await auditQueryWaiting())) await sleep(2);
      acked.push(late.at(-1) as string);
      await locker.query('COMMIT');
      return await audit;
    } finally {
      for (const timer of timers) clearTimeout(timer);
      await endQuietly(locker);
    }
  }

  async function auditQueryWaiting(): Promise<boolean> {
    const [row] = await db.sql(
      'shop',
      `SELECT count(*)::int AS waiting FROM pg_stat_activity
        WHERE wait_event_type = 'Lock' AND query LIKE '%FROM orders WHERE id = ANY%' AND pid <> pg_backend_pid()`,
    );
    return row?.waiting === 1;
  }

  it('reports no stored order missing when orders are acknowledged 10–22 ms into the audit and while its query waits', async () => {
    const late = Array.from({ length: 14 }, () => randomUUID());
    for (const id of late) await store(id);
    const acked = [...stored];

    const report = await auditWhileAcknowledging(acked, late);

    expect(acked).toHaveLength(stored.length + late.length);
    expect(report).toMatchObject({ missingCount: 0, missing: [] });
    expect(report.present + report.missingCount).toBe(report.acked);
    // The rule: the audit checks the orders acknowledged when it started, and counts the ones
    // acknowledged while it ran apart, for the next audit to check.
    expect(report).toEqual({
      acked: stored.length,
      present: stored.length,
      missingCount: 0,
      missing: [],
      ackedDuringAudit: late.length,
      database: 'primary',
    });
  });

  it('checks the orders acknowledged during an audit in the next one: found when stored, missing when not', async () => {
    const [kept, lost] = [randomUUID(), randomUUID()];
    await store(kept);
    const acked = [...stored];

    const first = await auditWhileAcknowledging(acked, [kept, lost]);
    expect(first).toMatchObject({ acked: stored.length, present: stored.length, missingCount: 0, ackedDuringAudit: 2 });

    const next = await auditOrders(pair, acked);
    expect(next).toEqual({
      acked: stored.length + 2,
      present: stored.length + 1,
      missingCount: 1,
      missing: [lost],
      ackedDuringAudit: 0,
      database: 'primary',
    });
  });
});
