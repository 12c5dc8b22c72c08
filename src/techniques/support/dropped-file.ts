import type * as FsPromises from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { UserError, errorMessage } from '../../errors.js';
import type { FaultContext, SweepableFault, SweepScope, Verification } from '../../engine/fault.js';
import { FILL_PREFIX } from '../../faults/disk-fill.js';
import { lazy } from '../../util/lazy-builtin.js';
import type { Technique, TechniqueInfo } from '../technique.js';

const { lstat, open, readdir, rm } = lazy<typeof FsPromises>('node:fs/promises');

/**
 * How the artefacts of drills are named in a directory (every file-dropping technique's prefix,
 * and disk-fill's): another drill's file appearing or going is that drill's business, not a
 * change this one's verify should report — ten techniques halted together each verify apart.
 */
const DRILL_PREFIXES = new Set<string>([FILL_PREFIX]);
/** Names artefacts of drills by this prefix (then a tag) for every directory verify: a technique that drops files its own way says so here. */
export function markDrillPrefix(prefix: string): void {
  DRILL_PREFIXES.add(prefix);
}
const isDrillArtefact = (name: string) => [...DRILL_PREFIXES].some((prefix) => name.startsWith(prefix)) && name.includes('fd-');

/** Entries of the directory kept in the state, to prove it is as before: at most so many. */
const SNAPSHOT_LIMIT = 10_000;
/** Bytes of a file read to find the tag in it. */
const HEAD_BYTES = 4096;

/** What a technique that drops one tagged file needs to say. */
export interface DroppedFileSpec {
  readonly name: string;
  readonly summary: string;
  readonly attack: TechniqueInfo;
  /** What the `directory` parameter is, and where it is by default. */
  readonly directory: { readonly describe: string; readonly default?: string };
  /** The file's name: it starts with `prefix`, then the tag (the sweep finds it by both). */
  readonly prefix: string;
  readonly suffix?: string;
  /** Its content: it must contain the tag (a revert removes only a file that does). */
  content(tag: string): string;
  readonly mode: number;
}

type Params = { directory: string };
/** A directory as it was: name → size and mode of each entry (lstat: a symbolic link as itself). */
export type DirectorySnapshot = { before: Record<string, [number, number]>; truncated: boolean };
/** The directory as it was before the drop. */
type State = DirectorySnapshot & { path: string };

/**
 * A technique whose detonation is one tagged file in a directory (a cron job, a web shell, a
 * canary credential): refused when the directory does not exist or the file does (never
 * overwrite); reverted by removing that file only if it still holds the tag; verified by the
 * directory being as it was before (every entry there with its size and mode, ours gone).
 */
export function droppedFile(spec: DroppedFileSpec): Technique<Params, State> & SweepableFault {
  const directory = z
    .string()
    .refine(isAbsolute, 'must be an absolute path (a revert after a crash must find the file from any working directory)')
    .describe(spec.directory.describe);
  const params = z.strictObject({
    directory: spec.directory.default === undefined ? directory : directory.default(spec.directory.default),
  });
  markDrillPrefix(spec.prefix);
  const pathOf = (ctx: FaultContext<Params>) => join(ctx.params.directory, `${spec.prefix}${ctx.tag}${spec.suffix ?? ''}`);
  return {
    name: spec.name,
    summary: spec.summary,
    attack: spec.attack,
    targetKind: 'host',
    params,
    reversible: true,

    async inject(ctx) {
      const before = await snapshotDirectory(ctx.params.directory);
      const path = pathOf(ctx);
      const handle = await open(path, 'wx', spec.mode).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') throw new UserError('FD_EXISTS', `${path} exists already: a technique never overwrites a file`);
        throw new UserError('FD_BAD_DIRECTORY', `cannot write ${path}: ${error.message}`, { cause: error });
      });
      try {
        await handle.writeFile(spec.content(ctx.tag));
        await handle.chmod(spec.mode); // whatever the umask
      } finally {
        await handle.close();
      }
      return { path, ...before };
    },

    async revert(ctx, state) {
      const path = state?.path ?? pathOf(ctx);
      const head = await readHead(path);
      if (head === undefined) return; // gone: removed by the responders, or never written
      if (!head.includes(ctx.tag)) throw new UserError('FD_NOT_OURS', `${path} no longer holds ${ctx.tag}: left as it is`);
      await rm(path, { force: true });
    },

    async verify(ctx, state) {
      const path = state?.path ?? pathOf(ctx);
      if ((await readHead(path)) !== undefined) return { ok: false, detail: `${path} is still there` };
      if (!state) return { ok: true, detail: `${path} is gone` };
      return compareDirectory(ctx.params.directory, state);
    },

    /** Contained: the file gone, or no longer the drill's (the responders emptied or replaced it). */
    async contained(ctx, state) {
      const path = state?.path ?? pathOf(ctx);
      const head = await readHead(path);
      if (head === undefined) return { ok: true, detail: `${path} is gone` };
      return head.includes(ctx.tag)
        ? { ok: false, detail: `${path} is still there` }
        : { ok: true, detail: `${path} no longer holds the drill's content` };
    },

    async sweep(scope: SweepScope) {
      const removed: string[] = [];
      const directories = new Set(scope.seenParams.flatMap((p) => (typeof p.directory === 'string' ? [p.directory] : [])));
      if (spec.directory.default) directories.add(spec.directory.default);
      for (const dir of directories) {
        for (const name of await readdir(dir).catch(() => [] as string[])) {
          if (!name.startsWith(spec.prefix)) continue;
          const tag = name.slice(spec.prefix.length, spec.suffix ? -spec.suffix.length : undefined);
          if (!scope.isOrphan(tag)) continue;
          const path = join(dir, name);
          if (!(await readHead(path))?.includes(tag)) continue; // not ours after all
          await rm(path, { force: true });
          removed.push(`${spec.name} file ${path}`);
        }
      }
      return removed;
    },
  };
}

/** The directory's entries with their size and mode; a UserError when it is not a directory. */
export async function snapshotDirectory(directory: string): Promise<DirectorySnapshot> {
  let names: string[];
  try {
    if (!(await lstat(directory)).isDirectory()) throw new Error('not a directory');
    names = await readdir(directory);
  } catch (error) {
    throw new UserError('FD_BAD_DIRECTORY', `${directory}: ${errorMessage(error)} — the technique needs it to exist`, { cause: error });
  }
  const before: DirectorySnapshot['before'] = {};
  for (const name of names.slice(0, SNAPSHOT_LIMIT)) {
    const stat = await lstat(join(directory, name)).catch(() => undefined);
    // A subdirectory's size is its file system's bookkeeping (tmpfs counts its entries), not content another drill may not change.
    if (stat) before[name] = [stat.isDirectory() ? 0 : stat.size, stat.mode & 0o7777];
  }
  return { before, truncated: names.length > SNAPSHOT_LIMIT };
}

/** Whether the directory is as the snapshot says: every entry there still, with its size and mode; other drills' artefacts aside. */
export async function compareDirectory(directory: string, state: DirectorySnapshot): Promise<Verification> {
  const now = await snapshotDirectory(directory).catch(() => undefined);
  if (!now) return { ok: false, detail: `${directory} is gone` };
  const changed = Object.entries(state.before).flatMap(([name, [size, mode]]) => {
    if (isDrillArtefact(name)) return [];
    const found = now.before[name];
    if (!found) return [`${name} is gone`];
    if (found[0] !== size || found[1] !== mode)
      return [`${name} changed (size ${size} → ${found[0]}, mode ${mode.toString(8)} → ${found[1].toString(8)})`];
    return [];
  });
  if (changed.length > 0) return { ok: false, detail: `${directory} is not as before: ${changed.slice(0, 5).join('; ')}` };
  const added = Object.keys(now.before).filter((name) => !(name in state.before) && !isDrillArtefact(name)).length;
  const checked = `${Object.keys(state.before).length}${state.truncated ? '+' : ''} entries`;
  return {
    ok: true,
    detail: `${directory} is as before (${checked}, size and mode)${added > 0 ? `; ${added} new entries, not ours` : ''}`,
  };
}

/** The first bytes of a file, or undefined when it does not exist. */
export async function readHead(path: string): Promise<string | undefined> {
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
