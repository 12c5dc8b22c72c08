import { pbkdf2, pbkdf2Sync, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { requirePostgresBinaries } from '../../src/postgres/binaries.js';
import { PostgresCluster, SUPERUSER } from '../../src/postgres/cluster.js';
import { withClient } from '../../src/postgres/connect.js';
import type { PgEndpoint } from '../../src/postgres/connect.js';
import { quoteIdent } from '../../src/postgres/checksums.js';
import { createWorkspace } from '../../src/postgres/workspace.js';
import type { Workspace } from '../../src/postgres/workspace.js';
import { eventually, freePort } from '../probes/fixtures.js';

/**
 * A running throwaway cluster on a free port of 127.0.0.1, for the tests of one file.
 * `destroy` stops it, removes its workspace and checks that nothing of it is left.
 */
export interface TestCluster {
  readonly workspace: Workspace;
  readonly cluster: PostgresCluster;
  /** Unique to this cluster: in its workspace's name and in every server process's command line. */
  readonly tag: string;
  endpoint(database?: string): PgEndpoint;
  sql(database: string, text: string, values?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  destroy(): Promise<void>;
}

export function testTag(label: string): string {
  return `fd-test-${label}-${randomBytes(3).toString('hex')}`;
}

/** A started cluster with `database` created (when it is not `postgres`). */
export async function startTestCluster(label: string, database = 'postgres'): Promise<TestCluster> {
  const tag = testTag(label);
  const workspace = createWorkspace(tag);
  let cluster: PostgresCluster | undefined;
  const destroy = async (): Promise<void> => {
    await cluster?.destroy();
    workspace.remove();
    expectNothingLeft(workspace.dir, tag);
  };
  try {
    cluster = await PostgresCluster.init({
      binaries: requirePostgresBinaries(),
      workspace: workspace.dir,
      name: 'db',
      tag,
      port: await freePort(),
      noSync: true,
    });
    await cluster.start();
    const started = cluster;
    const endpoint = (name = 'postgres'): PgEndpoint => ({ ...started.address, user: SUPERUSER, database: name });
    const sql = async (name: string, text: string, values: readonly unknown[] = []) =>
      withClient(endpoint(name), {}, async (client) => (await client.query<Record<string, unknown>>(text, [...values])).rows);
    if (database !== 'postgres') await sql('postgres', `CREATE DATABASE ${quoteIdent(database)}`);
    return { workspace, cluster: started, tag, endpoint, sql, destroy };
  } catch (error) {
    await destroy().catch(() => undefined); // the first error is the one worth seeing
    throw error;
  }
}

/** Live processes (zombies have an empty command line) whose command line contains `text`, read from /proc. */
export function processesMentioning(text: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue; // exited meanwhile
    }
    if (cmdline.includes(text)) found.push({ pid: Number(name), cmdline });
  }
  return found;
}

/** What this process's file descriptors point at (`… (deleted)` for removed files). */
export function openFiles(): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return []; // the descriptor readdir itself used, already closed
    }
  });
}

/**
 * No descriptor of this process points at a path containing `text`. File streams open their
 * file asynchronously, so pending opens are given time to happen first: checking at once
 * would pass even when a stream is about to open its file and never close it.
 */
export async function expectNoOpenFile(text: string): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(openFiles().filter((path) => path.includes(text))).toEqual([]);
}

export function exists(path: string): boolean {
  try {
    readdirSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The directory is gone and no process names it or the tag (postmaster: `-D dir`; children: `tag-name:`). */
export function expectNothingLeft(dir: string, tag: string): void {
  expect(exists(dir), `${dir} still exists`).toBe(false);
  expect(processesMentioning(dir)).toEqual([]);
  expect(processesMentioning(tag)).toEqual([]);
}

/** The workspaces verifyRestore makes (`firedrill-pg-fd-restore-<hex>-XXXXXX`) that exist now. */
export function restoreWorkspaces(): string[] {
  return readdirSync(tmpdir())
    .filter((name) => name.startsWith('firedrill-pg-fd-restore-'))
    .map((name) => join(tmpdir(), name));
}

/**
 * Every restore workspace made since `before` was listed is removed, with its scratch cluster's
 * processes. Another test file may be in the middle of its own restore check, so each is given
 * time to finish; one that a check of ours leaked never goes away and fails this.
 */
export async function expectRestoresCleanedUp(before: ReadonlySet<string>): Promise<void> {
  const seen = restoreWorkspaces().filter((dir) => !before.has(dir));
  await eventually(() => {
    for (const dir of seen) {
      const tag = /firedrill-pg-(fd-restore-[0-9a-f]+)-/.exec(dir)?.[1] ?? dir;
      expectNothingLeft(dir, tag);
    }
  }, 20_000);
}

/**
 * Keeps every thread of libuv's pool busy for about `ms`, so that file system calls (a file
 * stream opening its file) wait that long: what a loaded machine does now and then, on demand.
 * Resolves when the pool is free again.
 */
export async function busyThreadPool(ms: number): Promise<void> {
  const started = performance.now();
  pbkdf2Sync('calibrate', 'salt', 2000, 64, 'sha512');
  const iterations = Math.max(2000, Math.round((2000 * ms) / Math.max(0.1, performance.now() - started)));
  const threads = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<void>((resolve, reject) =>
          pbkdf2('busy', 'salt', iterations, 64, 'sha512', (error) => (error ? reject(error) : resolve())),
        ),
    ),
  );
}

/**
 * Errors that reach the process without anyone waiting for them — an `error` event nobody
 * listens to, a rejection nobody handles — from now until `stop()`, which returns them.
 */
export function collectUnhandled(): { stop(): unknown[] } {
  const found: unknown[] = [];
  const record = (error: unknown): void => {
    found.push(error);
  };
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  return {
    stop: () => {
      process.off('uncaughtException', record);
      process.off('unhandledRejection', record);
      return found;
    },
  };
}
