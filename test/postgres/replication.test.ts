import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePostgresBinaries } from '../../src/postgres/binaries.js';
import type { PostgresCluster } from '../../src/postgres/cluster.js';
import { SUPERUSER } from '../../src/postgres/cluster.js';
import { withClient } from '../../src/postgres/connect.js';
import type { PgEndpoint } from '../../src/postgres/connect.js';
import { isInRecovery, promote } from '../../src/postgres/promote.js';
import { STANDBY_NAME, startPrimary, startReplica } from '../../src/postgres/replication.js';
import { createWorkspace } from '../../src/postgres/workspace.js';
import type { Workspace } from '../../src/postgres/workspace.js';
import { eventually, freePort } from '../probes/fixtures.js';
import { expectNothingLeft, testTag } from './fixtures.js';

// One primary and its synchronous replica; the tests run in order and end with a promotion.
const tag = testTag('replication');
let workspace: Workspace;
let primary: PostgresCluster | undefined;
let replica: PostgresCluster | undefined;

beforeAll(async () => {
  workspace = createWorkspace(tag);
  const spec = { binaries: requirePostgresBinaries(), workspace: workspace.dir, tag };
  primary = await startPrimary({ ...spec, port: await freePort() });
  replica = await startReplica({ ...spec, port: await freePort(), source: primary.address });
});

afterAll(async () => {
  await Promise.all([replica?.destroy(), primary?.destroy()]);
  workspace?.remove();
  expectNothingLeft(workspace.dir, tag);
});

const on = (cluster: PostgresCluster | undefined): PgEndpoint => {
  if (!cluster) throw new Error('the cluster did not start');
  return { ...cluster.address, user: SUPERUSER, database: 'postgres' };
};

async function query<T extends Record<string, unknown>>(
  cluster: PostgresCluster | undefined,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  return withClient(on(cluster), { queryTimeoutMs: 10_000 }, async (client) => (await client.query<T>(text, values)).rows);
}

describe('a primary with a synchronous replica', () => {
  it('streams to the replica, which the primary counts as its synchronous standby', async () => {
    expect(primary?.isRunning()).toBe(true);
    expect(replica?.isRunning()).toBe(true);
    await eventually(async () => {
      expect(await query(primary, 'SELECT application_name AS name, state, sync_state AS sync FROM pg_stat_replication')).toEqual([
        { name: STANDBY_NAME, state: 'streaming', sync: 'sync' },
      ]);
    });
    const [settings] = await query(
      replica,
      "SELECT current_setting('synchronous_standby_names') AS names, current_setting('cluster_name') AS name",
    );
    expect(settings).toEqual({ names: '', name: `${tag}-replica` });
  });

  it('shows a commit of the primary on the replica, which refuses writes', async () => {
    // The commit returns only once the replica has flushed it: a hung commit means no sync standby.
    await query(primary, 'CREATE TABLE orders (id int PRIMARY KEY, item text NOT NULL)');
    await query(primary, 'INSERT INTO orders VALUES (1, $1)', ['tea']);
    await eventually(async () => expect(await query(replica, 'SELECT id, item FROM orders')).toEqual([{ id: 1, item: 'tea' }]));
    expect(await withClient(on(primary), {}, isInRecovery)).toBe(false);
    expect(await withClient(on(replica), {}, isInRecovery)).toBe(true);
    await expect(query(replica, "INSERT INTO orders VALUES (2, 'cake')")).rejects.toThrow(
      'cannot execute INSERT in a read-only transaction',
    );
  });

  it('promote makes the replica a writable primary with every acknowledged commit', async () => {
    await withClient(on(replica), {}, (client) => promote(client));
    expect(await withClient(on(replica), {}, isInRecovery)).toBe(false);
    await query(replica, "INSERT INTO orders VALUES (2, 'cake')");
    expect(await query(replica, 'SELECT id, item FROM orders ORDER BY id')).toEqual([
      { id: 1, item: 'tea' },
      { id: 2, item: 'cake' },
    ]);
    // A second promotion (two responders racing) finds a primary and is harmless.
    await expect(withClient(on(replica), {}, (client) => promote(client))).resolves.toBeUndefined();
  });
});
