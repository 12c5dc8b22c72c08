import type * as FsPromises from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';
import type { SweepableFault, Verification } from '../engine/fault.js';
import { lazy } from '../util/lazy-builtin.js';
import { compareDirectory, markDrillPrefix, readHead, snapshotDirectory } from './support/dropped-file.js';
import type { DirectorySnapshot } from './support/dropped-file.js';
import { systemctl, systemdRuns, unitStatus } from './support/systemd.js';
import type { Technique } from './technique.js';

const { lstat, mkdir, open, readdir, readlink, rm, rmdir, symlink } = lazy<typeof FsPromises>('node:fs/promises');

/** The unit's name starts so, then the tag: the sweep finds it by both. */
const PREFIX = 'firedrill-';
const SUFFIX = '.service';
const WANTS = 'multi-user.target.wants';
/** A sleeper on every Debian and most other hosts (merged /usr or not): harmless, and it ends on its own. */
const SLEEPER = '/bin/sleep 3600';
markDrillPrefix(PREFIX);

const params = z.strictObject({
  root: z
    .string()
    .refine(isAbsolute, 'must be an absolute path')
    .default('/')
    .describe('the system root whose etc/systemd/system receives the unit: / for the host, a directory for a test'),
});

type Params = z.output<typeof params>;
type State = {
  unit: string;
  unitDir: string;
  /** The directory listings before the drop; `wants` null when the wants directory did not exist (the drill made it). */
  before: { units: DirectorySnapshot; wants: DirectorySnapshot | null };
  /** Started and enabled through systemd (else only written). */
  started: boolean;
  /** What was done, in words: started, or why not. */
  output: string;
};

const unitName = (tag: string) => `${PREFIX}${tag}${SUFFIX}`;
const unitDirOf = (root: string) => join(root, 'etc', 'systemd', 'system');
/** Where the wants symlink points, as `systemctl enable` writes it: the unit's path on the host it is for. */
const linkTarget = (tag: string) => `/etc/systemd/system/${unitName(tag)}`;

const content = (tag: string) =>
  [
    `# Firedrill security drill ${tag} (T1543.002): a harmless sleeper, removed when the drill ends.`,
    '[Unit]',
    `Description=Firedrill security drill ${tag}`,
    '',
    '[Service]',
    `ExecStart=${SLEEPER}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');

/**
 * T1543.002: persistence as a systemd service — a tagged unit running a sleeper, enabled (the
 * multi-user.target.wants link) and, when systemd manages the host, started. Where systemd is not
 * PID 1 (a container) or the root is not `/`, the unit and its link are written only, and the
 * output says the service is not started. Revert removes only what still holds the tag; verify
 * proves the unit directory and the wants directory as they were (entries, sizes, modes).
 */
export const systemdService: Technique<Params, State> & SweepableFault = {
  name: 'systemd-service',
  summary: 'T1543.002 Create or Modify System Process: Systemd Service — a tagged, enabled unit running a sleeper; removed on revert.',
  attack: {
    id: 'T1543.002',
    name: 'Create or Modify System Process: Systemd Service',
    touches: 'one new unit file in etc/systemd/system and its multi-user.target.wants link (the service started, where systemd runs)',
    prerequisites: 'the unit directory exists and is in the host allow-list; root; systemd as PID 1 to start it (else written only)',
    telemetry: [
      'a new unit file in /etc/systemd/system (file integrity monitoring, auditd -w /etc/systemd/system -p wa)',
      'the systemd journal: "Reloading." then "Started firedrill-fd-….service - Firedrill security drill fd-…"',
      'auditd: execve of systemctl enable by root; a new sleep process whose parent is PID 1',
    ],
  },
  targetKind: 'host',
  params,
  reversible: true,

  async inject(ctx) {
    const unitDir = unitDirOf(ctx.params.root);
    const unit = join(unitDir, unitName(ctx.tag));
    const wantsDir = join(unitDir, WANTS);
    const units = await snapshotDirectory(unitDir);
    const wants = (await lstat(wantsDir).catch(() => undefined)) ? await snapshotDirectory(wantsDir) : null;
    if (wants && unitName(ctx.tag) in wants.before)
      throw new UserError('FD_EXISTS', `${join(wantsDir, unitName(ctx.tag))} exists already: a technique never overwrites a file`);
    const handle = await open(unit, 'wx', 0o644).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') throw new UserError('FD_EXISTS', `${unit} exists already: a technique never overwrites a file`);
      throw new UserError('FD_BAD_DIRECTORY', `cannot write ${unit}: ${error.message}`, { cause: error });
    });
    try {
      await handle.writeFile(content(ctx.tag));
      await handle.chmod(0o644); // whatever the umask
    } finally {
      await handle.close();
    }
    const state: State = { unit, unitDir, before: { units, wants }, started: false, output: '' };
    const systemd = await systemdRuns();
    if (systemd.runs && ctx.params.root === '/') {
      try {
        await systemctl(['daemon-reload']);
        await systemctl(['enable', '--now', unitName(ctx.tag)]);
      } catch (error) {
        await systemdService.revert(ctx, { ...state, started: true });
        throw error;
      }
      const active = await unitStatus('is-active', unitName(ctx.tag));
      return { ...state, started: true, output: `${unitName(ctx.tag)} enabled and started (systemctl is-active: ${active})` };
    }
    await mkdir(wantsDir, { mode: 0o755 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    await makeLink(ctx.tag, join(wantsDir, unitName(ctx.tag)));
    const why = systemd.runs ? `the root is ${ctx.params.root}, not this host's` : `no systemd: PID 1 is ${systemd.pid1}`;
    return { ...state, output: `${unitName(ctx.tag)} written and enabled (the ${WANTS} link), not started (${why})` };
  },

  async revert(ctx, state) {
    const unitDir = state?.unitDir ?? unitDirOf(ctx.params.root);
    const name = unitName(ctx.tag);
    const unit = join(unitDir, name);
    const link = join(unitDir, WANTS, name);
    // Checked before anything is removed: a unit that is no longer ours stays as it is, link and all.
    const head = await readHead(unit);
    if (head !== undefined && !head.includes(ctx.tag))
      throw new UserError('FD_NOT_OURS', `${unit} no longer holds ${ctx.tag}: left as it is`);
    const onHost = state?.started ?? (ctx.params.root === '/' && (await systemdRuns()).runs);
    // systemctl stops and disables; what is on disk is then checked and removed here (a cleanup command is never trusted).
    if (onHost) await systemctl(['disable', '--now', name]).catch(() => undefined);
    await removeTagged(link, ctx.tag);
    if (head !== undefined) await rm(unit, { force: true });
    if (state && state.before.wants === null) await rmdir(join(unitDir, WANTS)).catch(() => undefined); // made by the drill; kept if not empty
    if (onHost) await systemctl(['daemon-reload']);
  },

  async verify(ctx, state) {
    const unitDir = state?.unitDir ?? unitDirOf(ctx.params.root);
    const name = unitName(ctx.tag);
    if ((await readHead(join(unitDir, name)))?.includes(ctx.tag)) return { ok: false, detail: `${join(unitDir, name)} is still there` };
    if (await lstat(join(unitDir, WANTS, name)).catch(() => undefined))
      return { ok: false, detail: `the link ${join(unitDir, WANTS, name)} is still there` };
    if (state?.started ?? (ctx.params.root === '/' && (await systemdRuns()).runs)) {
      const [active, enabled] = [await unitStatus('is-active', name), await unitStatus('is-enabled', name)];
      if (active === 'active' || active === 'activating' || enabled === 'enabled')
        return { ok: false, detail: `systemd still knows ${name}: ${active}, ${enabled}` };
    }
    if (!state) return { ok: true, detail: `no unit ${name} of the drill` };
    const units = await compareDirectory(unitDir, state.before.units);
    const wants = await compareWants(join(unitDir, WANTS), state.before.wants);
    return { ok: units.ok && wants.ok, detail: `${units.detail}; ${wants.detail}` };
  },

  /** Contained: the unit gone (or no longer the drill's), or disabled — its wants link gone — and not running. */
  async contained(ctx, state) {
    const unitDir = state?.unitDir ?? unitDirOf(ctx.params.root);
    const name = unitName(ctx.tag);
    if (!(await readHead(join(unitDir, name)))?.includes(ctx.tag)) return { ok: true, detail: `the unit ${name} is gone` };
    const linked = (await lstat(join(unitDir, WANTS, name)).catch(() => undefined)) !== undefined;
    const running = state?.started === true && ['active', 'activating'].includes(await unitStatus('is-active', name));
    return !linked && !running
      ? { ok: true, detail: `the unit ${name} is disabled${state?.started ? ' and stopped' : ''}` }
      : { ok: false, detail: `the unit ${name} is still ${running ? 'running' : 'enabled'}` };
  },

  async sweep(scope) {
    const removed: string[] = [];
    const roots = new Set(['/', ...scope.seenParams.flatMap((p) => (typeof p.root === 'string' ? [p.root] : []))]);
    const systemd = await systemdRuns();
    for (const root of roots) {
      const unitDir = unitDirOf(root);
      for (const name of await readdir(unitDir).catch(() => [] as string[])) {
        if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) continue;
        const tag = name.slice(PREFIX.length, -SUFFIX.length);
        if (!scope.isOrphan(tag) || !(await readHead(join(unitDir, name)))?.includes(tag)) continue; // not ours after all
        const onHost = systemd.runs && root === '/';
        if (onHost) await systemctl(['disable', '--now', name]).catch(() => undefined);
        await removeTagged(join(unitDir, WANTS, name), tag);
        await rm(join(unitDir, name), { force: true });
        if (onHost) await systemctl(['daemon-reload']);
        removed.push(`systemd-service unit ${join(unitDir, name)}`);
      }
    }
    return removed;
  },
};

/** The wants link, as `systemctl enable` makes it; never over anything. */
async function makeLink(tag: string, path: string): Promise<void> {
  await symlink(linkTarget(tag), path).catch((error: NodeJS.ErrnoException) => {
    throw new UserError('FD_EXISTS', `cannot link ${path}: ${error.message}`, { cause: error });
  });
}

/** Removes the wants link (or a file put in its place) only while it names the tag. */
async function removeTagged(path: string, tag: string): Promise<void> {
  const found = await lstat(path).catch(() => undefined);
  if (!found) return;
  const what = found.isSymbolicLink() ? await readlink(path) : found.isFile() ? await readHead(path) : undefined;
  if (!what?.includes(tag)) throw new UserError('FD_NOT_OURS', `${path} no longer names ${tag}: left as it is`);
  await rm(path, { force: true });
}

/** The wants directory as before: the same entries; or absent (or empty, or only other drills') when it did not exist. */
async function compareWants(wantsDir: string, before: DirectorySnapshot | null): Promise<Verification> {
  if (before) return compareDirectory(wantsDir, before);
  const left = (await readdir(wantsDir).catch(() => [] as string[])).filter((name) => !name.startsWith(`${PREFIX}fd-`));
  return left.length === 0
    ? { ok: true, detail: `${wantsDir} did not exist before and holds nothing now` }
    : { ok: false, detail: `${wantsDir} did not exist before and now holds ${left.join(', ')}` };
}
