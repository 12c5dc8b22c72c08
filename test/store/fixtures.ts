import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCluster } from '../postgres/fixtures.js';
import type { TestCluster } from '../postgres/fixtures.js';

/** Where a store test keeps its data: a SQLite file, or a database of a cluster the test started. */
export interface StoreSite {
  readonly dialect: 'sqlite' | 'postgres';
  /** A fresh, empty store location each call. */
  location(): Promise<string>;
  /** Restarts the database server under a running store (PostgreSQL only). */
  restart?(): Promise<void>;
  /** Stops and starts it again (PostgreSQL only). */
  stop?(): Promise<void>;
  start?(): Promise<void>;
  close(): Promise<void>;
}

export const DIALECTS = ['sqlite', 'postgres'] as const;

export async function storeSite(dialect: 'sqlite' | 'postgres'): Promise<StoreSite> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'fd-store-test-'));
    let n = 0;
    return {
      dialect,
      location: () => Promise.resolve(join(dir, `store-${++n}.db`)),
      close: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  const cluster: TestCluster = await startTestCluster('store');
  let n = 0;
  return {
    dialect,
    async location() {
      const database = `store_${++n}`;
      await cluster.sql('postgres', `CREATE DATABASE ${database}`);
      const { host, port, user } = cluster.endpoint();
      return `postgres://${user}@${host}:${port}/${database}`;
    },
    async restart() {
      await cluster.cluster.stop('fast');
      await cluster.cluster.start();
    },
    stop: () => cluster.cluster.stop('fast'),
    start: () => cluster.cluster.start(),
    close: () => cluster.destroy(),
  };
}
