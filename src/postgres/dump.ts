import { createReadStream, createWriteStream, openSync, readSync, closeSync } from 'node:fs';
import type { PostgresBinaries } from './binaries.js';
import type { PgEndpoint } from './connect.js';
import { runTool } from './run-tool.js';

export type DumpFormat = 'plain' | 'custom';

export interface DumpOptions {
  /** `plain` (SQL text, restored with psql; what a damaged-dump drill can edit) or `custom`. */
  readonly format?: DumpFormat;
  /** Dump exactly what this exported snapshot saw (`pg_export_snapshot()` in an open transaction). */
  readonly snapshot?: string;
  /** Text written before the dump (plain format only), e.g. a comment describing the source. */
  readonly header?: string;
  /** Working directory for the tool, readable by the server user. */
  readonly cwd: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Dumps one database into `file` with pg_dump: no owners and no grants, so that it restores
 * into any cluster whatever roles exist there. The file is written by this process (pg_dump's
 * output comes through a pipe), so it belongs to the caller, not to the server user.
 */
export async function dumpDatabase(binaries: PostgresBinaries, source: PgEndpoint, file: string, options: DumpOptions): Promise<void> {
  const format = options.format ?? 'plain';
  options.signal?.throwIfAborted();
  const out = createWriteStream(file, { mode: 0o600 });
  if (options.header !== undefined && format === 'plain') out.write(options.header);
  const args = [
    `--format=${format}`,
    '--no-owner',
    '--no-privileges',
    ...(options.snapshot ? [`--snapshot=${options.snapshot}`] : []),
    '-h',
    source.host,
    '-p',
    String(source.port),
    '-U',
    source.user,
    source.database,
  ];
  try {
    await runTool(binaries.tool('pg_dump'), args, {
      cwd: options.cwd,
      timeoutMs: options.timeoutMs ?? 300_000,
      output: out,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    // runTool may fail before anything was piped into the file (pg_dump could not start): close it anyway.
    await discard(out);
    throw error;
  }
}

/** The magic bytes a custom-format archive starts with. */
const CUSTOM_MAGIC = 'PGDMP';

export function dumpFormatOf(file: string): DumpFormat {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(CUSTOM_MAGIC.length);
    readSync(fd, head, 0, head.length, 0);
    return head.toString('latin1') === CUSTOM_MAGIC ? 'custom' : 'plain';
  } finally {
    closeSync(fd);
  }
}

/**
 * Restores a dump into `target` (a database that exists and is empty): custom archives with
 * pg_restore, SQL text with psql. Either stops at the first error, so a damaged dump fails
 * loudly instead of restoring half. The file is read by this process and piped in.
 */
export async function restoreDump(
  binaries: PostgresBinaries,
  target: PgEndpoint,
  file: string,
  options: Omit<DumpOptions, 'format' | 'snapshot' | 'header'>,
): Promise<void> {
  const connection = ['-h', target.host, '-p', String(target.port), '-U', target.user];
  const [tool, args] =
    dumpFormatOf(file) === 'custom'
      ? ([binaries.tool('pg_restore'), [...connection, '--exit-on-error', '--no-owner', '--no-privileges', '-d', target.database]] as const)
      : ([binaries.tool('psql'), [...connection, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', target.database, '-f', '-']] as const);
  options.signal?.throwIfAborted();
  const input = createReadStream(file);
  try {
    await runTool(tool, args, {
      cwd: options.cwd,
      timeoutMs: options.timeoutMs ?? 300_000,
      input,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } finally {
    await discard(input); // a no-op once read; closes the file when the tool never read it (it failed to start)
  }
}

/**
 * Destroys a file stream and resolves once its file is closed. A file stream opens its file on
 * libuv's thread pool, later than it is created: destroyed while that open is still queued, it
 * opens and closes the file afterwards — or fails with an `error` event (ENOENT) if the
 * directory was removed meanwhile, as verifyRestore removes its workspace the moment a step
 * fails. So a caller that gives up waits for this before it returns, and nothing of the stream
 * is left to fail after it.
 */
async function discard(stream: NodeJS.EventEmitter & { readonly closed: boolean; destroy(): unknown }): Promise<void> {
  stream.on('error', () => {
    // Nothing was written or read that anyone still waits for; the caller is already failing.
  });
  if (stream.closed) return;
  const closed = new Promise((resolve) => stream.once('close', resolve));
  stream.destroy();
  await closed;
}
