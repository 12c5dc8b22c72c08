import type * as Crypto from 'node:crypto';
import type * as FsPromises from 'node:fs/promises';
import type * as Os from 'node:os';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';
import type { FaultContext, FaultType, SweepableFault, SweepScope } from '../engine/fault.js';
import { lazy } from '../util/lazy-builtin.js';
import { byteSize, MIB } from './support/params.js';

// Loaded when a fill is injected or swept, not when a run only validates its parameters:
// node:crypto and node:fs/promises cost every `firedrill run` a few milliseconds to load.
const { randomBytes } = lazy<typeof Crypto>('node:crypto');
const { open, readdir, rm, stat, statfs } = lazy<typeof FsPromises>('node:fs/promises');
const { tmpdir } = lazy<typeof Os>('node:os');

const params = z
  .strictObject({
    directory: z
      .string()
      .refine(isAbsolute, 'must be an absolute path (crash recovery must find the file from any working directory)')
      .describe('Directory on the file system to fill; the fill file is created in it.'),
    bytes: byteSize().optional().describe('Size of the fill file: bytes, or a size like 512MiB, 1GiB. Exactly one of bytes and percent.'),
    percent: z
      .number()
      .gt(0)
      .max(100)
      .optional()
      .describe('Size of the fill file as a percentage of the space free now. Exactly one of bytes and percent.'),
    keepFree: byteSize()
      .default(256 * MIB)
      .describe('Never leave less than this free: the injection is refused if the request would.'),
  })
  .refine((p) => (p.bytes === undefined) !== (p.percent === undefined), {
    message: 'give exactly one of bytes and percent',
    path: ['bytes'],
  });

type Params = z.output<typeof params>;
type State = { path: string; bytes: number };

const CHUNK = MIB;

/** Fill files are `<directory>/.firedrill-fill-<tag>`. */
export const FILL_PREFIX = '.firedrill-fill-';

/** The fill file's name derives from the intent alone, so a revert without state finds it. */
export function fillPath(ctx: FaultContext<Params>): string {
  return join(ctx.params.directory, `${FILL_PREFIX}${ctx.tag}`);
}

async function freeBytes(directory: string): Promise<number> {
  try {
    const fs = await statfs(directory);
    return fs.bavail * fs.bsize; // what an unprivileged writer can use, as df shows it
  } catch (error) {
    throw new UserError('FD_BAD_DIRECTORY', `cannot fill ${directory}: ${(error as Error).message}`, { cause: error });
  }
}

/** Fills a file system with a real file (written, not sparse) until revert removes it. */
export const diskFill: FaultType<Params, State> & SweepableFault = {
  name: 'disk-fill',
  summary: 'Write a file that takes a given amount (or share) of the free space on a file system.',
  targetKind: 'host',
  params,
  reversible: true,

  async inject(ctx) {
    const free = await freeBytes(ctx.params.directory);
    const bytes = ctx.params.bytes ?? Math.floor((free * (ctx.params.percent ?? 0)) / 100);
    if (free - bytes < ctx.params.keepFree) {
      const keep = Math.floor(ctx.params.keepFree / MIB);
      throw new UserError(
        'FD_DISK_RESERVE',
        `refusing to write ${Math.floor(bytes / MIB)} MiB in ${ctx.params.directory}: ${Math.floor(free / MIB)} MiB free and ${keep} MiB must stay free`,
      );
    }
    const path = fillPath(ctx);
    // Random bytes so a compressing file system (btrfs, zfs) really spends the space.
    const chunk = randomBytes(CHUNK);
    const file = await open(path, 'w');
    try {
      for (let written = 0; written < bytes; written += CHUNK) {
        ctx.signal.throwIfAborted(); // stop between chunks; the partial file is removed by revert
        await file.write(chunk, 0, Math.min(CHUNK, bytes - written));
      }
      await file.datasync(); // allocated blocks, not just dirty pages someone could count as free
    } finally {
      await file.close();
    }
    return { path, bytes };
  },

  async revert(ctx, state) {
    await rm(state?.path ?? fillPath(ctx), { force: true });
  },

  async verify(ctx, state) {
    const path = state?.path ?? fillPath(ctx);
    try {
      const left = await stat(path);
      return { ok: false, detail: `${path} still exists (${left.size} bytes)` };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, detail: `${path} is gone` };
      return { ok: false, detail: `cannot check ${path}: ${(error as Error).message}` };
    }
  },

  sweep: sweepFillFiles,
};

/** Removes orphaned fill files from every directory the ledger has filled, and the temp dir. */
async function sweepFillFiles(scope: SweepScope): Promise<string[]> {
  const directories = new Set([tmpdir()]);
  for (const params of scope.seenParams) {
    if (typeof params.directory === 'string' && isAbsolute(params.directory)) directories.add(params.directory);
  }
  const removed: string[] = [];
  for (const directory of directories) {
    let names: string[];
    try {
      names = await readdir(directory);
    } catch {
      continue; // gone or unreadable: nothing of ours can be filling it
    }
    for (const name of names) {
      if (!name.startsWith(FILL_PREFIX) || !scope.isOrphan(name.slice(FILL_PREFIX.length))) continue;
      const path = join(directory, name);
      await rm(path, { force: true });
      removed.push(`disk-fill file ${path}`);
    }
  }
  return removed;
}
