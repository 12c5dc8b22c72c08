import { performance } from 'node:perf_hooks';
import type { PostgresBinaries } from '../../postgres/binaries.js';
import type { PostgresCluster } from '../../postgres/cluster.js';
import { SUPERUSER } from '../../postgres/cluster.js';
import { withClient } from '../../postgres/connect.js';
import { quoteIdent } from '../../postgres/checksums.js';
import { startPrimary, startReplica } from '../../postgres/replication.js';
import type { Workspace } from '../../postgres/workspace.js';
import { PRODUCTS } from './catalog.js';
import type { DatabasePlan } from './plan.js';

export interface ShopDatabase {
  readonly primary: PostgresCluster;
  readonly replica: PostgresCluster;
  /** Stops both clusters (whatever a drill did to them); the workspace is removed by its owner. */
  destroy(): Promise<void>;
}

/**
 * The shop's database: a primary in dc a and its synchronous replica in dc b, streaming through
 * the replication proxy, with the shop's tables. Both clusters are stopped again if any step fails.
 */
export async function startShopDatabase(
  binaries: PostgresBinaries,
  workspace: Workspace,
  demoId: string,
  plan: DatabasePlan,
  log: (line: string) => void,
): Promise<ShopDatabase> {
  const started = performance.now();
  const spec = { binaries, workspace: workspace.dir, tag: demoId };
  const primary = await startPrimary({ ...spec, port: plan.primaryPort });
  let replica: PostgresCluster | undefined;
  try {
    log(`postgres primary up on 127.0.0.1:${plan.primaryPort} (${Math.round(performance.now() - started)} ms)`);
    const standby = await startReplica({ ...spec, port: plan.replicaPort, source: { host: '127.0.0.1', port: plan.replicationProxy } });
    replica = standby;
    log(`postgres replica streaming through 127.0.0.1:${plan.replicationProxy} (${Math.round(performance.now() - started)} ms)`);
    // Commits on the primary wait for the replica from here on: this also proves the link works.
    await createSchema({ host: '127.0.0.1', port: plan.primaryPort, user: SUPERUSER, database: plan.database });
    return {
      primary,
      replica: standby,
      destroy: async () => {
        await Promise.all([standby.destroy(), primary.destroy()]);
      },
    };
  } catch (error) {
    await Promise.all([replica?.destroy(), primary.destroy()]);
    throw error;
  }
}

async function createSchema(endpoint: { host: string; port: number; user: string; database: string }): Promise<void> {
  await withClient({ ...endpoint, database: 'postgres' }, {}, (client) => client.query(`CREATE DATABASE ${quoteIdent(endpoint.database)}`));
  await withClient(endpoint, {}, async (client) => {
    await client.query(`
      CREATE TABLE products (id text PRIMARY KEY, name text NOT NULL, price_cents integer NOT NULL);
      CREATE TABLE orders (
        id uuid PRIMARY KEY,             -- chosen by the client: retries are idempotent
        item text NOT NULL,
        qty integer NOT NULL CHECK (qty > 0),
        served_by text NOT NULL,         -- the orders instance that stored it
        created_at timestamptz NOT NULL DEFAULT now()
      );`);
    for (const product of PRODUCTS)
      await client.query('INSERT INTO products VALUES ($1, $2, $3)', [product.id, product.name, product.priceCents]);
  });
}
