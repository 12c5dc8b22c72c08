import { execFile } from 'node:child_process';
import type * as Crypto from 'node:crypto';
import type * as FsPromises from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { OperationalError, UserError, errorMessage } from '../errors.js';
import type { SweepableFault } from '../engine/fault.js';
import { lazy } from '../util/lazy-builtin.js';
import type { Technique } from './technique.js';

const { createHash } = lazy<typeof Crypto>('node:crypto');
const { chmod, copyFile, readFile, rm, stat, writeFile } = lazy<typeof FsPromises>('node:fs/promises');
const run = promisify(execFile);

/** The account files whose bytes must be as before once the account is gone (only their hashes are kept: shadow holds password hashes). */
const FILES = ['passwd', 'shadow', 'group', 'gshadow'] as const;
/**
 * The backups useradd and userdel write (`passwd-`…): after userdel they would hold the drill's
 * account. They are copied, as they were, into the agent's private work directory, and put back.
 */
const BACKUPS = FILES.map((file) => `${file}-`);
const TIMEOUT_MS = 10_000;

const params = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,30}$/, 'a login name: lower case letters, digits, _ and -, at most 31')
    .describe('the account to create: it must not exist (a real account is never touched), and the host must allow it'),
  root: z
    .string()
    .refine(isAbsolute, 'must be an absolute path')
    .default('/')
    .describe('the system root whose /etc holds the account files (useradd --root): / for the host, a directory for a test'),
  shell: z.string().default('/usr/sbin/nologin').describe('its login shell (nobody can log in: no password, no key)'),
});

type Params = z.output<typeof params>;
type State = {
  name: string;
  root: string;
  sha256: Record<string, string | null>;
  backups: Record<string, number | null>;
  /** Its shadow entry once made (password field, expiry): a lock or an expiry set later is the responders' containment. */
  shadow?: readonly [string, string];
};

const gecos = (tag: string) => `firedrill ${tag}`;
const rootArgs = (root: string) => (root === '/' ? [] : ['--root', root]);

/**
 * T1136.001: a local account created as an intruder would — with useradd, so the host logs it —
 * with no password, no home, a shell that refuses logins, and the drill's tag as its comment
 * (GECOS). Revert deletes it with userdel, only while its comment holds the tag, and puts back
 * the backups the tools rewrote (passwd- would hold the account); verify proves passwd, shadow,
 * group, gshadow and their backups byte for byte as before.
 */
export const localAccount: Technique<Params, State> & SweepableFault = {
  name: 'local-account',
  summary: 'T1136.001 Create Account: Local Account — a tagged local user (no password, no login) made with useradd; userdel on revert.',
  attack: {
    id: 'T1136.001',
    name: 'Create Account: Local Account',
    touches: "one user (and its group) in the system's passwd, shadow, group and gshadow",
    prerequisites: 'useradd and userdel (passwd package); root; the name is new and allowed by the host (allow.json "users")',
    telemetry: [
      'useradd logs it: "new user: name=…, UID=…" and "new group: name=…" (auth.log, journald)',
      'a change to /etc/passwd (file integrity monitoring, auditd -w /etc/passwd -p wa)',
    ],
  },
  targetKind: 'host',
  params,
  reversible: true,

  async inject(ctx) {
    const { name, root, shell } = ctx.params;
    const sha256 = await hashes(root, [...FILES, ...BACKUPS]);
    if (sha256.passwd === null) throw new UserError('FD_BAD_DIRECTORY', `${join(root, 'etc', 'passwd')} does not exist`);
    if ((await accountLine(root, name)) || (await groupExists(root, name)))
      throw new UserError('FD_USER_EXISTS', `${name} exists already on this host: a technique never touches a real account`);
    const backups = await keepBackups(ctx.workDir, ctx.tag, root);
    try {
      await tool('useradd', [...rootArgs(root), '--no-create-home', '--comment', gecos(ctx.tag), '--shell', shell, name]);
    } catch (error) {
      await restoreBackups(ctx.workDir, ctx.tag, root, backups);
      throw error;
    }
    const shadow = await shadowOf(root, name);
    return { name, root, sha256, backups, ...(shadow && { shadow }) };
  },

  async revert(ctx, state) {
    const { name, root } = state ?? ctx.params;
    const line = await accountLine(root, name); // none: removed by the responders (containment), or never made
    if (line && !line.includes(gecos(ctx.tag))) throw new UserError('FD_NOT_OURS', `${name} no longer carries ${ctx.tag}: left as it is`);
    if (line) await tool('userdel', [...rootArgs(root), name]);
    await restoreBackups(ctx.workDir, ctx.tag, root, state?.backups);
  },

  async verify(ctx, state) {
    const { name, root } = state ?? ctx.params;
    if ((await accountLine(root, name))?.includes(gecos(ctx.tag))) return { ok: false, detail: `the account ${name} still exists` };
    if (!state) return { ok: true, detail: `no account ${name} of the drill` };
    const now = await hashes(root, [...FILES, ...BACKUPS]);
    const changed = Object.keys(now).filter((file) => file in state.sha256 && now[file] !== state.sha256[file]);
    return changed.length === 0
      ? { ok: true, detail: `${name} is gone; ${FILES.join(', ')} and their backups are byte for byte as before` }
      : { ok: false, detail: `${name} is gone, but ${changed.join(', ')} differ from before the drill` };
  },

  /** Contained: the account gone, locked (usermod -L, passwd -l) or expired (usermod -e 1) since the drill made it. */
  async contained(ctx, state) {
    const { name, root } = state ?? ctx.params;
    if (!(await accountLine(root, name))?.includes(gecos(ctx.tag))) return { ok: true, detail: `the account ${name} is gone` };
    const [password, expiry] = (await shadowOf(root, name)) ?? ['', ''];
    const [password0, expiry0] = state?.shadow ?? ['', ''];
    if (password !== password0 && password.startsWith('!')) return { ok: true, detail: `the account ${name} is locked` };
    const today = Math.floor(Date.now() / 86_400_000);
    if (expiry !== expiry0 && expiry !== '' && Number(expiry) <= today) return { ok: true, detail: `the account ${name} is expired` };
    return { ok: false, detail: `the account ${name} exists, neither locked nor expired` };
  },

  async sweep(scope) {
    const removed: string[] = [];
    const roots = new Set(['/', ...scope.seenParams.flatMap((p) => (typeof p.root === 'string' ? [p.root] : []))]);
    for (const root of roots) {
      const passwd = await readFile(join(root, 'etc', 'passwd'), 'utf8').catch(() => '');
      for (const line of passwd.split('\n')) {
        const [name = '', , , , comment = ''] = line.split(':');
        const tag = /^firedrill (fd-\S+)$/.exec(comment)?.[1];
        if (!tag || !scope.isOrphan(tag)) continue;
        await tool('userdel', [...rootArgs(root), name]);
        if (scope.workDir) await restoreBackups(scope.workDir, tag, root, undefined);
        removed.push(`local-account ${name} (${tag})${root === '/' ? '' : ` in ${root}`}`);
      }
    }
    return removed;
  },
};

async function tool(command: string, args: readonly string[]): Promise<void> {
  try {
    await run(command, args, { timeout: TIMEOUT_MS });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new OperationalError('FD_ACCOUNT_TOOL', `${command} ${args.join(' ')} failed: ${stderr || errorMessage(error)}`, {
      cause: error,
    });
  }
}

async function accountLine(root: string, name: string): Promise<string | undefined> {
  const passwd = await readFile(join(root, 'etc', 'passwd'), 'utf8').catch(() => '');
  return passwd.split('\n').find((line) => line.startsWith(`${name}:`));
}

/** The account's shadow password field and expiry day, or undefined without a shadow entry. */
async function shadowOf(root: string, name: string): Promise<[string, string] | undefined> {
  const shadow = await readFile(join(root, 'etc', 'shadow'), 'utf8').catch(() => '');
  const fields = shadow
    .split('\n')
    .find((line) => line.startsWith(`${name}:`))
    ?.split(':');
  return fields ? [fields[1] ?? '', fields[7] ?? ''] : undefined;
}

async function groupExists(root: string, name: string): Promise<boolean> {
  const group = await readFile(join(root, 'etc', 'group'), 'utf8').catch(() => '');
  return group.split('\n').some((line) => line.startsWith(`${name}:`));
}

/** Copies the account files' backups as they are (mode kept in the state: null when absent) into the work directory. */
async function keepBackups(workDir: string, tag: string, root: string): Promise<Record<string, number | null>> {
  const kept: Record<string, number | null> = {};
  for (const backup of BACKUPS) {
    const path = join(root, 'etc', backup);
    const found = await stat(path).catch(() => undefined);
    kept[backup] = found ? found.mode & 0o7777 : null;
    // A copy, or a mark that there was none: a revert without its state (a crash) still knows.
    if (found) await copyFile(path, join(workDir, `${tag}.${backup}`));
    else await writeFile(join(workDir, `${tag}.${backup}.absent`), '');
  }
  return kept;
}

/** Puts the backups back as they were (a backup the drill made is removed); without the state, those it kept. */
async function restoreBackups(workDir: string, tag: string, root: string, kept: Record<string, number | null> | undefined): Promise<void> {
  for (const backup of BACKUPS) {
    const copy = join(workDir, `${tag}.${backup}`);
    const path = join(root, 'etc', backup);
    const absent = `${copy}.absent`;
    const mode = kept?.[backup];
    if (await stat(copy).catch(() => undefined)) {
      await copyFile(copy, path);
      if (typeof mode === 'number') await chmod(path, mode);
    } else if ((kept && mode === null) || (await stat(absent).catch(() => undefined))) {
      await rm(path, { force: true });
    }
    await rm(copy, { force: true });
    await rm(absent, { force: true });
  }
}

async function hashes(root: string, files: readonly string[]): Promise<Record<string, string | null>> {
  const entries = await Promise.all(
    files.map(async (file) => {
      const bytes = await readFile(join(root, 'etc', file)).catch(() => undefined);
      return [file, bytes ? createHash('sha256').update(bytes).digest('hex') : null] as const;
    }),
  );
  return Object.fromEntries(entries);
}
