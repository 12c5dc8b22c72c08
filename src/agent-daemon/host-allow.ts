import { statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { UserError, errorMessage } from '../errors.js';
import { describeTarget } from '../engine/target.js';
import type { ResolvedTarget, StartCommand } from '../engine/target.js';
import { loadInventory } from '../targets/inventory.js';
import { hostAllowed } from '../techniques/support/addresses.js';
import {
  allowFile,
  CREATES_ACCOUNT,
  directoryDigest,
  distrust,
  EMPTY_ALLOW_LIST,
  LISTENS_ON,
  REACHES,
  reachedHosts,
  readAllowList,
  writtenDirectory,
} from './allow-list.js';
import type { AllowList } from './allow-list.js';

/**
 * A token holder may kill and pause processes; it must not make the agent run a program, read
 * a file or write a directory of its choosing. What a fault request carries that the agent
 * would execute (a start command, with its cwd, env and log), read (a pid file) or write into
 * (a disk-fill directory) must be allowed by this host's own configuration:
 *
 *   request ─▶ HostAllow.checkFault ─▶ allowed by <stateDir>/allow.json  or  the agent's --inventory
 *                     └─ otherwise 403 FD_NOT_ALLOWED, and an audit line in agent.log
 *
 * Both files are read again when they change (the CLI adds to allow.json before each run).
 * Only requests are checked: a revert acts on the ledger's record, which passed this check.
 */
export class NotAllowedError extends UserError {
  /** What the audit line in agent.log says besides the message. */
  readonly audit: Readonly<Record<string, unknown>>;

  constructor(message: string, audit: Readonly<Record<string, unknown>>) {
    super('FD_NOT_ALLOWED', message);
    this.audit = audit;
  }
}

export interface HostAllowOptions {
  readonly stateDir: string;
  /** The inventory of this host (`firedrill agent --inventory`): its services' start specs and pid files. */
  readonly inventory?: string;
}

/** A fault request, as far as the host's allow-list is concerned. */
export interface Asked {
  readonly runId: string;
  readonly faultId: string;
  readonly type: string;
  readonly target: ResolvedTarget;
  readonly params: Readonly<Record<string, unknown>>;
}

export class HostAllow {
  readonly #allowFile: Source;
  readonly #inventory: Source | undefined;

  constructor(options: HostAllowOptions) {
    this.#allowFile = new Source(allowFile(options.stateDir), (file) => readAllowList(file) ?? EMPTY_ALLOW_LIST);
    if (options.inventory !== undefined) this.#inventory = usable(new Source(resolve(options.inventory), inventoryAllows));
  }

  /** Throws a UserError when an agent could not use this inventory (checked before a supervisor starts workers with it). */
  static checkInventory(file: string): void {
    usable(new Source(resolve(file), inventoryAllows));
  }

  /** Throws NotAllowedError (403) unless this host allows every program, pid file and directory the request names. */
  checkFault(asked: Asked): void {
    const { target, params, type } = asked;
    const audit = { runId: asked.runId, faultId: asked.faultId, type };
    const what = `${type} on ${describeTarget(target)}`;
    if (target.kind === 'process') {
      const start = target.start;
      if (start) this.#check(audit, what, `the start command ${JSON.stringify(start)}`, (a) => allowsStart(a, start));
      const pidFile = target.match?.pidFile;
      if (pidFile !== undefined) this.checkPidFile(pidFile, audit, what);
    }
    const directory = writtenDirectory(type, params);
    if (directory !== undefined) {
      this.#check(audit, what, `the ${type} directory ${directory}`, (a) => allowsDirectory(a, directory));
    }
    const portParam = LISTENS_ON[type];
    const port = portParam === undefined ? undefined : params[portParam];
    if (typeof port === 'number') this.#check(audit, what, `port ${port}`, (a) => a.ports.includes(port));
    const reaches = REACHES[type];
    for (const reached of reaches === undefined ? [] : reachedHosts(params[reaches]))
      this.#check(audit, what, `the host ${reached}`, (a) => hostAllowed(a.hosts, reached));
    const account = CREATES_ACCOUNT[type];
    const name = account && params[account.name];
    const root = account && params[account.root];
    if (typeof name === 'string') this.#check(audit, what, `the account ${name}`, (a) => a.users.includes(name));
    // The host's own root is allowed by the account's name alone; another root is a directory like any.
    if (typeof root === 'string' && resolve(root) !== '/')
      this.#check(audit, what, `the system root ${root}`, (a) => allowsDirectory(a, root));
  }

  checkPidFile(pidFile: string, audit: Readonly<Record<string, unknown>>, what = 'finding processes'): void {
    const path = resolve(pidFile);
    this.#check(audit, what, `the pid file ${pidFile}`, (a) => a.pidFiles.some((allowed) => resolve(allowed) === path));
  }

  #check(audit: Readonly<Record<string, unknown>>, what: string, refused: string, allows: (list: AllowList) => boolean): void {
    const sources = [this.#allowFile, ...(this.#inventory ? [this.#inventory] : [])].map((source) => source.read());
    if (sources.some((read) => 'allowed' in read && allows(read.allowed))) return;
    const where = [`${this.#allowFile.file} (\`firedrill run\` adds what its inventory and experiment need)`];
    if (this.#inventory) where.push(`the services of its --inventory ${this.#inventory.file}`);
    const problems = sources.flatMap((read) => ('problem' in read ? [` (${read.problem})`] : []));
    throw new NotAllowedError(
      `${what}: ${refused} is not allowed on this host; it allows those of ${where.join(' and ')}${problems.join('')}`,
      {
        ...audit,
        refused,
      },
    );
  }
}

/**
 * A file of allowances, read again when it changes (mtime, size, inode). A file that cannot be
 * used allows nothing and says why (in the 403), rather than failing the agent.
 */
class Source {
  #seen: { key: string; read: { allowed: AllowList } | { problem: string } } | undefined;

  constructor(
    readonly file: string,
    private readonly load: (file: string) => AllowList,
  ) {}

  read(): { allowed: AllowList } | { problem: string } {
    let key: string;
    try {
      const stat = statSync(this.file);
      key = `${stat.mtimeMs}:${stat.size}:${stat.ino}:${stat.mode}:${stat.uid}`;
    } catch {
      key = 'absent';
    }
    if (this.#seen?.key !== key) {
      let read: { allowed: AllowList } | { problem: string };
      try {
        read = { allowed: this.load(this.file) };
      } catch (error) {
        read = { problem: errorMessage(error) };
      }
      this.#seen = { key, read };
    }
    return this.#seen.read;
  }
}

/** The inventory an agent is started with must be usable at start: it is the host's configuration. */
function usable(source: Source): Source {
  const read = source.read();
  if ('problem' in read) throw new UserError('FD_AGENT_INVENTORY', `--inventory: ${read.problem}`);
  return source;
}

/** What an inventory allows its host: the start specs and pid files of its services, as the inventory resolves them. */
function inventoryAllows(file: string): AllowList {
  const why = distrust(statSync(file));
  if (why) throw new UserError('FD_AGENT_INVENTORY', `${file} is ignored: ${why}`);
  const services = [...loadInventory(file).services.values()];
  return {
    version: 1,
    start: services.flatMap((service) => (service.start ? [service.start] : [])),
    pidFiles: services.flatMap((service) => (service.match.pidFile !== undefined ? [service.match.pidFile] : [])),
    directories: [],
    ports: [],
    users: [],
    hosts: [],
  };
}

/**
 * The command and its environment must be exactly an allowed spec's. A cwd or log the request
 * gives must be that spec's too; one it leaves out is the agent's own (its directory, its work
 * directory), which no caller chooses.
 */
function allowsStart(list: AllowList, asked: StartCommand): boolean {
  return list.start.some(
    (allowed) =>
      sameList(asked.command, allowed.command) &&
      sameEnv(asked.env ?? {}, allowed.env ?? {}) &&
      samePathIfGiven(asked.cwd, allowed.cwd) &&
      samePathIfGiven(asked.log, allowed.log),
  );
}

/** The directory itself or one below an allowed directory (by path: `..` is resolved, symlinks are not followed). */
function allowsDirectory(list: AllowList, directory: string): boolean {
  const path = resolve(directory);
  return list.directories.some((allowed) => {
    if (allowed.startsWith('sha256:')) return allowed === directoryDigest(path);
    const base = resolve(allowed);
    return path === base || path.startsWith(base.endsWith(sep) ? base : `${base}${sep}`);
  });
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function sameEnv(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

function samePathIfGiven(asked: string | undefined, allowed: string | undefined): boolean {
  return asked === undefined || (allowed !== undefined && resolve(asked) === resolve(allowed));
}
