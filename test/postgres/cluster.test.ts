import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePostgresBinaries } from '../../src/postgres/binaries.js';
import { PostgresCluster, SUPERUSER, postmasterPattern } from '../../src/postgres/cluster.js';
import { connect, endQuietly, withClient } from '../../src/postgres/connect.js';
import type { PgEndpoint } from '../../src/postgres/connect.js';
import { serverUser } from '../../src/postgres/server-user.js';
import { HBA_LOOPBACK_TRUST, renderSettings } from '../../src/postgres/settings.js';
import { createWorkspace } from '../../src/postgres/workspace.js';
import type { Workspace } from '../../src/postgres/workspace.js';
import { isAlive, processState } from '../../src/targets/proc.js';
import { eventually, freePort } from '../probes/fixtures.js';
import { exists, expectNothingLeft, processesMentioning, testTag } from './fixtures.js';

// One cluster goes through its whole life here: the tests run in order and build on each other.
const tag = testTag('cluster');
let workspace: Workspace;
let cluster: PostgresCluster;
let endpoint: PgEndpoint;
let port: number;

beforeAll(async () => {
  workspace = createWorkspace(tag);
  port = await freePort();
  cluster = await PostgresCluster.init({
    binaries: requirePostgresBinaries(),
    workspace: workspace.dir,
    name: 'db',
    tag,
    port,
    noSync: true,
  });
  endpoint = { ...cluster.address, user: SUPERUSER, database: 'postgres' };
});

afterAll(async () => {
  await cluster?.destroy();
  workspace?.remove();
  expectNothingLeft(workspace.dir, tag);
});

async function query<T extends Record<string, unknown>>(text: string): Promise<T[]> {
  return withClient(endpoint, {}, async (client) => (await client.query<T>(text)).rows);
}

describe('PostgresCluster', () => {
  it('makes its workspace and data directory belong to the postgres user', () => {
    const user = serverUser();
    expect(statSync(workspace.dir)).toMatchObject({ uid: user.uid, gid: user.gid });
    expect(statSync(cluster.dataDir)).toMatchObject({ uid: user.uid });
    expect(workspace.dir).toContain(`firedrill-pg-${tag}-`);
  });

  it('is created stopped, trusting connections from this machine only, with its own settings', () => {
    expect(cluster.dataDir).toBe(join(workspace.dir, 'db'));
    expect(cluster.clusterName).toBe(`${tag}-db`);
    expect(cluster.address).toEqual({ host: '127.0.0.1', port });
    expect(cluster.isRunning()).toBe(false);
    expect(cluster.processes()).toEqual([]);
    expect(readFileSync(join(cluster.dataDir, 'pg_hba.conf'), 'utf8')).toBe(HBA_LOOPBACK_TRUST);
    const conf = readFileSync(join(cluster.dataDir, 'postgresql.conf'), 'utf8');
    expect(conf).toContain(`\n# Firedrill\n`);
    expect(conf).toContain(
      `listen_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${workspace.dir}'\ncluster_name = '${tag}-db'`,
    );
  });

  it('starts, listens on 127.0.0.1 and answers queries', async () => {
    await cluster.start();
    expect(cluster.isRunning()).toBe(true);
    const [row] = await query<{ name: string; listen: string; port: string; version: number; addr: string; user: string }>(
      `SELECT current_setting('cluster_name') AS name, current_setting('listen_addresses') AS listen, current_setting('port') AS port,
              current_setting('server_version_num')::int AS version, host(inet_server_addr()) AS addr, current_user AS user`,
    );
    expect(row).toEqual({
      name: `${tag}-db`,
      listen: '127.0.0.1',
      port: String(port),
      version: expect.any(Number),
      addr: '127.0.0.1',
      user: 'postgres',
    });
    expect(Math.floor((row?.version ?? 0) / 10_000)).toBe(15);
    await query('CREATE TABLE kept (id int PRIMARY KEY, note text); INSERT INTO kept VALUES (1, $$one$$), (2, $$two$$)');
    expect(await query('SELECT id, note FROM kept ORDER BY id')).toEqual([
      { id: 1, note: 'one' },
      { id: 2, note: 'two' },
    ]);
  });

  it('pins the session settings that the text of a row depends on', async () => {
    const [row] = await query(
      "SELECT current_setting('TimeZone') AS tz, current_setting('DateStyle') AS ds, '2024-05-06 07:08:09+02'::timestamptz::text AS at",
    );
    expect(row).toEqual({ tz: 'UTC', ds: 'ISO, YMD', at: '2024-05-06 05:08:09+00' });
  });

  it('knows its postmaster and every server process it started', () => {
    const postmaster = cluster.postmasterPid();
    expect(postmaster).toEqual(expect.any(Number));
    const own = cluster.processes();
    const pids = own.map((info) => info.pid).sort((a, b) => a - b);
    // The same set, found independently: the postmaster names the data directory, its children the cluster.
    const seen = [...processesMentioning(`postgres -D ${cluster.dataDir}`), ...processesMentioning(`${tag}-db:`)]
      .map((info) => info.pid)
      .sort((a, b) => a - b);
    expect(pids).toEqual(seen);
    expect(pids).toContain(postmaster);
    expect(own.length).toBeGreaterThan(2); // checkpointer, walwriter… besides the postmaster
    const main = own.find((info) => info.pid === postmaster);
    expect(main?.cmdline).toMatch(new RegExp(postmasterPattern(cluster.dataDir)));
    for (const child of own.filter((info) => info.pid !== postmaster)) expect(child.ppid).toBe(postmaster);
  });

  it('stops cleanly and starts again with its data kept', async () => {
    await cluster.stop();
    expect(cluster.isRunning()).toBe(false);
    expect(processesMentioning(`${tag}-db`)).toEqual([]);
    await expect(connect(endpoint, { connectTimeoutMs: 2000 })).rejects.toThrow(/ECONNREFUSED 127\.0\.0\.1/);
    await cluster.stop(); // stopping a stopped cluster is a no-op
    await cluster.start();
    expect(await query('SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 2 }]);
  });

  it('renders settings as postgresql.conf lines, quoting strings', () => {
    expect(renderSettings({ a: "it's", b: 3, c: true, d: false })).toBe("a = 'it''s'\nb = 3\nc = on\nd = off");
  });

  it('destroy removes a cluster whose postmaster was killed, orphaned backends included', async () => {
    const client: pg.Client = await connect(endpoint);
    try {
      const backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
      const postmaster = cluster.postmasterPid() ?? 0;
      // A stopped backend cannot notice its postmaster's death: it stays behind, as after a drill.
      process.kill(backend, 'SIGSTOP');
      await eventually(() => expect(processState(backend)).toBe('T'));
      process.kill(postmaster, 'SIGKILL');
      await eventually(() => expect(cluster.isRunning()).toBe(false));
      expect(processState(backend)).toBe('T');
      expect(cluster.processes().map((info) => info.pid)).toContain(backend);

      await cluster.destroy();
      expect(isAlive(backend)).toBe(false); // gone, or a zombie its new parent has yet to reap
      expect(cluster.processes()).toEqual([]);
      expect(exists(cluster.dataDir)).toBe(false);
      expect(() => statSync(cluster.logFile)).toThrow(/ENOENT/);
      expect(processesMentioning(tag)).toEqual([]);
    } finally {
      await endQuietly(client);
    }
  });
});
