import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { errorMessage } from '../errors.js';
import { requirePostgresBinaries } from './binaries.js';
import type { PostgresBinaries } from './binaries.js';
import { listUserTables, quoteIdent, tableChecksum } from './checksums.js';
import type { TableChecksum } from './checksums.js';
import { PostgresCluster, SUPERUSER } from './cluster.js';
import { withClient } from './connect.js';
import type { PgEndpoint } from './connect.js';
import { dumpDatabase, restoreDump } from './dump.js';
import { manifestHeader, readManifest } from './dump-manifest.js';
import { SCRATCH_SETTINGS } from './settings.js';
import { createWorkspace } from './workspace.js';

export interface RestoreCheckRequest {
  readonly source: PgEndpoint;
  /** Restore this dump instead of taking a fresh one. */
  readonly dump?: string;
  /** Where to keep the fresh dump (it is deleted otherwise). */
  readonly keepDump?: string;
  /** Tables to compare; every user table of the source by default. */
  readonly tables?: readonly string[];
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

export interface TableComparison {
  readonly name: string;
  readonly sourceRows: number | null;
  readonly restoredRows: number | null;
  readonly sourceChecksum: string | null;
  readonly restoredChecksum: string | null;
  readonly ok: boolean;
}

/**
 * What the restore was compared with: the snapshot the fresh dump was taken from, the source
 * as recorded in the dump's manifest when it was taken, or — for a dump without one — the
 * source as it is now (which differs if it was written to since).
 */
export type Comparison = 'dump snapshot' | 'dump manifest' | 'live source';

export interface RestoreCheck {
  readonly ok: boolean;
  readonly tables: readonly TableComparison[];
  /** One sentence per difference, e.g. `orders: 1203 rows restored, 1204 in the source`. */
  readonly differences: readonly string[];
  readonly dumpBytes: number;
  /** From creating the scratch cluster to the end of the restore: how long getting a usable copy takes. */
  readonly restoreMs: number;
  readonly comparedWith: Comparison;
}

/**
 * A backup drill: dump the source (or take the dump given), restore it into a scratch cluster
 * made for the purpose, and compare every table's row count and checksum with the source.
 * The scratch cluster and its directory are always removed, whatever fails.
 */
export async function verifyRestore(request: RestoreCheckRequest): Promise<RestoreCheck> {
  const binaries = requirePostgresBinaries();
  request.signal.throwIfAborted();
  const signal = AbortSignal.any([request.signal, AbortSignal.timeout(request.timeoutMs)]);
  const tag = `fd-restore-${randomBytes(4).toString('hex')}`;
  const workspace = createWorkspace(tag);
  let scratch: PostgresCluster | undefined;
  try {
    const dumpFile = request.dump !== undefined ? resolve(request.dump) : resolve(request.keepDump ?? join(workspace.dir, 'dump.sql'));
    const source =
      request.dump !== undefined ? await expectedOf(dumpFile, request) : await takeDump(binaries, dumpFile, workspace.dir, request, signal);
    const started = performance.now();
    scratch = await PostgresCluster.init(
      { binaries, workspace: workspace.dir, name: 'scratch', tag, settings: SCRATCH_SETTINGS, noSync: true },
      signal,
    );
    await scratch.start(signal);
    const target: PgEndpoint = { ...scratch.address, user: SUPERUSER, database: request.source.database };
    let restoreError: string | undefined;
    try {
      if (target.database !== 'postgres') {
        await withClient({ ...target, database: 'postgres' }, {}, (client) =>
          client.query(`CREATE DATABASE ${quoteIdent(target.database)}`),
        );
      }
      await restoreDump(binaries, target, dumpFile, { cwd: workspace.dir, timeoutMs: request.timeoutMs, signal });
    } catch (error) {
      signal.throwIfAborted();
      restoreError = errorMessage(error);
    }
    const restoreMs = Math.round(performance.now() - started);
    const restored = await withClient(target, { queryTimeoutMs: request.timeoutMs }, async (client) => {
      // One query at a time: a client runs them in turn anyway, and pg deprecates queueing them (gone in pg 9).
      const found: (TableChecksum | undefined)[] = [];
      for (const table of source.tables) found.push(await tableChecksum(client, table.name).catch(() => undefined));
      return found;
    });
    const tables = source.tables.map((table, index) => compareTable(table, restored[index]));
    const differences = [...(restoreError ? [`the restore failed: ${restoreError}`] : []), ...tables.flatMap(describeDifference)];
    return {
      ok: differences.length === 0,
      tables,
      differences,
      dumpBytes: statSync(dumpFile).size,
      restoreMs,
      comparedWith: source.comparedWith,
    };
  } finally {
    await scratch?.destroy();
    workspace.remove();
  }
}

interface Expected {
  readonly tables: readonly TableChecksum[];
  readonly comparedWith: Comparison;
}

/**
 * Dumps the source from an exported snapshot and checksums its tables in that same snapshot,
 * so the comparison is exact even while the source is being written to. The checksums go into
 * the dump's first line (dump-manifest.ts) for later verifications of the same file.
 */
async function takeDump(
  binaries: PostgresBinaries,
  file: string,
  cwd: string,
  request: RestoreCheckRequest,
  signal: AbortSignal,
): Promise<Expected> {
  return withClient(request.source, { queryTimeoutMs: request.timeoutMs }, async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const snapshot = (await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]?.id ?? '';
      const tables = await checksums(client, request.tables);
      const header = manifestHeader({ database: request.source.database, takenAt: new Date().toISOString(), tables });
      await dumpDatabase(binaries, request.source, file, { format: 'plain', snapshot, header, cwd, timeoutMs: request.timeoutMs, signal });
      return { tables, comparedWith: 'dump snapshot' };
    } finally {
      await client.query('COMMIT').catch(() => undefined);
    }
  });
}

/** A given dump is compared with its manifest when it has one, else with the live source. */
async function expectedOf(file: string, request: RestoreCheckRequest): Promise<Expected> {
  const manifest = readManifest(file);
  if (manifest) {
    const wanted = request.tables;
    const tables = wanted
      ? wanted.map((name) => manifest.tables.find((table) => table.name === name) ?? { name, rows: -1, checksum: '' })
      : manifest.tables;
    return { tables, comparedWith: 'dump manifest' };
  }
  return withClient(request.source, { queryTimeoutMs: request.timeoutMs }, async (client) => ({
    tables: await checksums(client, request.tables),
    comparedWith: 'live source',
  }));
}

async function checksums(client: Parameters<typeof tableChecksum>[0], wanted: readonly string[] | undefined): Promise<TableChecksum[]> {
  const names = wanted ?? (await listUserTables(client));
  const found: TableChecksum[] = [];
  for (const name of names) found.push((await tableChecksum(client, name)) ?? { name, rows: -1, checksum: '' });
  return found;
}

/** rows -1: the table was not in the source (or not in the dump's manifest). */
function compareTable(source: TableChecksum, restored: TableChecksum | undefined): TableComparison {
  const sourceRows = source.rows < 0 ? null : source.rows;
  return {
    name: source.name,
    sourceRows,
    restoredRows: restored?.rows ?? null,
    sourceChecksum: sourceRows === null ? null : source.checksum,
    restoredChecksum: restored?.checksum ?? null,
    ok: sourceRows !== null && restored !== undefined && restored.rows === source.rows && restored.checksum === source.checksum,
  };
}

function describeDifference(table: TableComparison): string[] {
  if (table.ok) return [];
  if (table.sourceRows === null) return [`${table.name}: no such table in the source`];
  if (table.restoredRows === null) return [`${table.name}: missing from the restored copy (${table.sourceRows} rows in the source)`];
  if (table.restoredRows !== table.sourceRows)
    return [`${table.name}: ${table.restoredRows} rows restored, ${table.sourceRows} in the source`];
  const short = (checksum: string | null) => (checksum ?? '').slice(0, 8);
  return [
    `${table.name}: ${table.restoredRows} rows in both, but their contents differ ` +
      `(checksum ${short(table.restoredChecksum)} restored, ${short(table.sourceChecksum)} in the source)`,
  ];
}
