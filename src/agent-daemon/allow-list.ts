import type * as Crypto from 'node:crypto';
import { closeSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { UserError, errorMessage } from '../errors.js';
import type { StartCommand } from '../engine/target.js';
import { lazy } from '../util/lazy-builtin.js';
import { openPrivate, privateDir } from '../util/private-files.js';

// Loaded only when a directory named by a secret is digested.
const { createHash } = lazy<typeof Crypto>('node:crypto');

/**
 * An agent's allow-list: the programs it may start, the pid files it may read and the
 * directories disk-fill may write into — on this host, whoever holds its token. It lives in the
 * state directory as `allow.json` (mode 0600): `firedrill run` adds there what its inventory
 * and experiment need before it starts a run on the local agent; an operator may write it by
 * hand for an agent of another host (or give the agent that host's `--inventory`).
 *
 *   { "version": 1,
 *     "start":       [{ "command": ["node", "catalog.mjs"], "cwd": "/srv/shop", "env": {…}, "log": "…" }],
 *     "pidFiles":    ["/run/catalog.pid"],
 *     "directories": ["/var/tmp/drills", "sha256:<hex>"],
 *     "ports":       [4444] }
 *
 * A directory whose name holds a secret is written as the SHA-256 of its path, which allows
 * that directory exactly. Anything writable by others is not trusted.
 */
export const ALLOW_FILE = 'allow.json';

export function allowFile(stateDir: string): string {
  return join(stateDir, ALLOW_FILE);
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

const startSchema = z.strictObject({
  command: z.array(z.string()).min(1).describe('argument array, never a shell line'),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
  log: z.string().optional(),
});

export const allowListSchema = z.strictObject({
  version: z.literal(1).default(1),
  start: z.array(startSchema).default([]).describe('start specs process-restart and process-kill (restart: true) may run'),
  pidFiles: z.array(z.string().min(1)).default([]).describe('pid files process matches may read'),
  directories: z
    .array(z.string().refine((d) => isAbsolute(d) || DIGEST.test(d), 'an absolute path, or sha256:<hex> of one'))
    .default([])
    .describe(
      'directories disk-fill and the file-dropping techniques may write into (and those below them); systemd-service: <root>/etc/systemd/system',
    ),
  ports: z.array(z.int().min(1).max(65535)).default([]).describe('ports a technique may listen on (backdoor-listener)'),
  users: z.array(z.string().min(1)).default([]).describe('accounts a technique may create (local-account)'),
  hosts: z
    .array(z.string().min(1))
    .default([])
    .describe(
      'hosts a network technique may reach (service-scan, http-exfiltration, brute-force): IP addresses, IPv4 CIDR blocks, localhost',
    ),
});

export interface AllowList {
  readonly version: 1;
  readonly start: readonly StartCommand[];
  readonly pidFiles: readonly string[];
  readonly directories: readonly string[];
  readonly ports: readonly number[];
  readonly users: readonly string[];
  readonly hosts: readonly string[];
}

export const EMPTY_ALLOW_LIST: AllowList = { version: 1, start: [], pidFiles: [], directories: [], ports: [], users: [], hosts: [] };

/** The parameter that names a directory a fault writes into, by fault type: the host must allow it. */
export const WRITES_INTO: Readonly<Record<string, string>> = {
  'disk-fill': 'directory',
  'cron-persistence': 'directory',
  'web-shell': 'directory',
  'canary-credentials': 'directory',
  'ssh-authorized-key': 'file', // the file itself, or a directory above it
};

/**
 * A directory a technique writes into below the system root a parameter names, by fault type:
 * the host must allow that directory (the root `/` itself would allow everything).
 */
export const WRITES_BELOW_ROOT: Readonly<Record<string, { readonly root: string; readonly directory: string }>> = {
  'systemd-service': { root: 'root', directory: 'etc/systemd/system' },
};

/** The directory a fault writes into, from its parameters (WRITES_INTO, or WRITES_BELOW_ROOT), when it names one. */
export function writtenDirectory(type: string, params: Readonly<Record<string, unknown>>): string | undefined {
  const param = WRITES_INTO[type];
  if (param !== undefined) return typeof params[param] === 'string' ? params[param] : undefined;
  const below = WRITES_BELOW_ROOT[type];
  const root = below && params[below.root];
  return below && typeof root === 'string' ? join(root, below.directory) : undefined;
}

/** The parameter that names a port a technique listens on, by fault type: the host must allow it. */
export const LISTENS_ON: Readonly<Record<string, string>> = { 'backdoor-listener': 'port' };

/** The parameter that names the hosts (a list of addresses, or a URL) a network technique reaches, by fault type. */
export const REACHES: Readonly<Record<string, string>> = { 'service-scan': 'hosts', 'http-exfiltration': 'url', 'brute-force': 'url' };

/** The hosts a REACHES parameter names: each address of a list, or a URL's host. */
export function reachedHosts(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value !== 'string') return [];
  try {
    return [new URL(value).hostname.replace(/^\[|\]$/g, '')];
  } catch {
    return [value];
  }
}

/** The parameters that name an account a technique creates, and the system root it creates it under, by fault type. */
export const CREATES_ACCOUNT: Readonly<Record<string, { readonly name: string; readonly root: string }>> = {
  'local-account': { name: 'name', root: 'root' },
};

export function directoryDigest(directory: string): string {
  return `sha256:${createHash('sha256').update(resolve(directory)).digest('hex')}`;
}

/**
 * Why a file of this host's configuration must not be trusted, or undefined: others may write
 * it, or it belongs to someone other than this user or root.
 */
export function distrust(stat: Stats): string | undefined {
  const mode = stat.mode & 0o777;
  if ((mode & 0o022) !== 0) return `others may write it (mode ${mode.toString(8)})`;
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid && stat.uid !== 0) return `it belongs to uid ${stat.uid}, not to this user (${uid}) or root`;
  return undefined;
}

/** Reads and checks an allow-list file; undefined when there is none. Throws a UserError saying why it is not used. */
export function readAllowList(file: string): AllowList | undefined {
  let stat: Stats;
  try {
    stat = statSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError('FD_ALLOW_LIST', `${file} cannot be read: ${errorMessage(error)}`, { cause: error });
  }
  const why = distrust(stat);
  if (why) throw new UserError('FD_ALLOW_LIST', `${file} is ignored: ${why}`);
  let data: unknown;
  try {
    data = parse(readFileSync(file, 'utf8')) ?? {};
  } catch (error) {
    throw new UserError('FD_ALLOW_LIST', `${file} is ignored: not JSON or YAML (${errorMessage(error)})`, { cause: error });
  }
  const parsed = allowListSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new UserError('FD_ALLOW_LIST', `${file} is ignored: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/**
 * Adds entries to `<stateDir>/allow.json` — what `firedrill run` does before a run, as the user
 * who owns the state directory. Written whole to a new 0600 file and renamed over the old one;
 * a concurrent writer may win a race, so the result is checked and the merge tried again.
 */
export function recordAllowed(stateDir: string, wanted: Omit<AllowList, 'version'>): void {
  const file = allowFile(stateDir);
  privateDir(stateDir);
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = readAllowList(file) ?? EMPTY_ALLOW_LIST;
    const merged = merge(current, wanted);
    if (merged === current) return; // nothing new: leave the file alone
    const temp = `${file}.${process.pid}.tmp`;
    rmSync(temp, { force: true });
    const fd = openPrivate(temp, 'wx');
    try {
      writeSync(fd, `${JSON.stringify(merged, null, 2)}\n`);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  }
  throw new UserError('FD_ALLOW_LIST', `could not record what this run needs in ${file}: other runs keep rewriting it`);
}

/** `current` itself when it already holds everything wanted. */
function merge(current: AllowList, wanted: Omit<AllowList, 'version'>): AllowList {
  const start = [...current.start];
  for (const spec of wanted.start) if (!start.some((known) => sameSpec(known, spec))) start.push(spec);
  const pidFiles = [...new Set([...current.pidFiles, ...wanted.pidFiles])];
  const directories = [...new Set([...current.directories, ...wanted.directories])];
  const ports = [...new Set([...current.ports, ...wanted.ports])];
  const users = [...new Set([...current.users, ...wanted.users])];
  const hosts = [...new Set([...current.hosts, ...wanted.hosts])];
  const grew =
    start.length > current.start.length ||
    pidFiles.length > current.pidFiles.length ||
    directories.length > current.directories.length ||
    ports.length > current.ports.length ||
    users.length > current.users.length ||
    hosts.length > current.hosts.length;
  return grew ? { version: 1, start, pidFiles, directories, ports, users, hosts } : current;
}

function sameSpec(a: StartCommand, b: StartCommand): boolean {
  return JSON.stringify([a.command, a.cwd, sorted(a.env), a.log]) === JSON.stringify([b.command, b.cwd, sorted(b.env), b.log]);
}

function sorted(env: Readonly<Record<string, string>> | undefined): [string, string][] {
  return Object.entries(env ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
