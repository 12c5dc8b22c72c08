import { closeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { OperationalError, errorMessage } from '../errors.js';
import { openPrivate, privateDir } from '../util/private-files.js';
import { migrations, SCHEMA_VERSION } from './migrations.js';
import type { StoreTables } from './schema.js';

export type StoreDialect = 'sqlite' | 'postgres';

/** An open store: the query layer and what it runs on. */
export interface StoreDb {
  readonly db: Kysely<StoreTables>;
  readonly dialect: StoreDialect;
  /** Where it is, with any password hidden: for messages and logs. */
  readonly location: string;
  close(): Promise<void>;
}

const MIGRATION_TABLE = 'firedrill_migration';
const MIGRATION_LOCK_TABLE = 'firedrill_migration_lock';
/** pg's type id of int8 (bigint): epoch milliseconds fit a JS number exactly. */
const INT8 = 20;

/**
 * Opens the store at `location` — `postgres://…` / `postgresql://…`, or a SQLite file path — and
 * brings its schema up to date. Refuses a store whose schema is newer than this build knows,
 * and says so; a store it cannot reach is an OperationalError naming it (password hidden).
 */
export async function openStore(location: string): Promise<StoreDb> {
  const store = /^postgres(ql)?:\/\//.test(location) ? await openPostgres(location) : openSqlite(location);
  try {
    await migrate(store);
    return store;
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}

function openSqlite(file: string): StoreDb {
  const path = resolve(file);
  let database: Database.Database;
  try {
    // 0700 / 0600 before SQLite opens it: its -wal and -shm files take the database's mode.
    privateDir(dirname(path));
    closeSync(openPrivate(path));
    database = new Database(path);
  } catch (error) {
    throw new OperationalError('FD_STORE_UNREACHABLE', `cannot open the store ${path}: ${errorMessage(error)}`, { cause: error });
  }
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<StoreTables>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  return { db, dialect: 'sqlite', location: path, close: () => db.destroy() };
}

/** Statements kept this many at most (queries are built from a few dozen shapes). */
const STATEMENT_CACHE = 256;

/**
 * kysely prepares every query again; preparing is a tenth of an API call's time. Statements are
 * reused by their SQL text — safe: kysely runs one query at a time on its one SQLite connection.
 */
function withStatementCache(database: Database.Database): { prepare(sql: string): Database.Statement; close(): void } {
  const cache = new Map<string, Database.Statement>();
  return {
    prepare(sql: string): Database.Statement {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql); // re-inserted last: the oldest go first
      } else {
        statement = database.prepare(sql);
        if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, statement);
      return statement;
    },
    close: () => database.close(),
  };
}

async function openPostgres(url: string): Promise<StoreDb> {
  const location = hidePassword(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: 20,
    connectionTimeoutMillis: 5000,
    types: { getTypeParser: typeParser as typeof pg.types.getTypeParser },
  });
  // An idle connection that dies (the server restarted) is dropped; the next query opens another.
  pool.on('error', () => undefined);
  // One checked out between two queries (a transaction) that the server ends would otherwise
  // emit an 'error' nobody listens to — a crash of the whole control plane. Its next query
  // fails instead, and that failure is handled where the query was made (503, or retried).
  pool.on('connect', (client) => client.on('error', () => undefined));
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new OperationalError('FD_STORE_UNREACHABLE', `cannot reach the store ${location}: ${errorMessage(error)}`, { cause: error });
  }
  const db = new Kysely<StoreTables>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', location, close: () => db.destroy() };
}

/** pg's own parsers, but int8 as a number (epoch milliseconds are far below 2^53). */
function typeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === INT8) return Number;
  return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
}

async function migrate(store: StoreDb): Promise<void> {
  const known = migrations(store.dialect);
  const applied = await appliedMigrations(store);
  const unknown = applied.filter((name) => !(name in known));
  if (unknown.length > 0) {
    throw new OperationalError(
      'FD_STORE_TOO_NEW',
      `the store ${store.location} has schema version ${unknown.sort().at(-1) ?? ''}, newer than this firedrill knows ` +
        `(${SCHEMA_VERSION}): upgrade firedrill, or point it at another store`,
    );
  }
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: () => Promise.resolve({ ...known }) },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const message = `migration ${failed} of the store ${store.location} failed: ${errorMessage(error)}`;
    throw new OperationalError('FD_STORE_MIGRATION', message, { cause: error });
  }
}

/** Names of the migrations the store has run (none for a new store). */
async function appliedMigrations(store: StoreDb): Promise<string[]> {
  const tables = await store.db.introspection.getTables();
  if (!tables.some((t) => t.name === MIGRATION_TABLE)) return [];
  const rows = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(store.db);
  return rows.rows.map((r) => r.name);
}

/** postgres://user:secret@host/db → postgres://user:***@host/db */
function hidePassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}
