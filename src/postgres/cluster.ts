import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../errors.js';
import { findTagged, readProcess, waitForExit } from '../targets/proc.js';
import type { ProcessInfo } from '../targets/proc.js';
import type { PostgresBinaries } from './binaries.js';
import { runTool } from './run-tool.js';
import { BASE_SETTINGS, HBA_LOOPBACK_TRUST, renderSettings } from './settings.js';
import type { Settings } from './settings.js';

/** The superuser of every cluster Firedrill makes; trust auth, so no password. */
export const SUPERUSER = 'postgres';

export interface ClusterSpec {
  readonly binaries: PostgresBinaries;
  /** A directory owned by the server user (see workspace.ts); holds the data, log and socket. */
  readonly workspace: string;
  /** The data directory's name in the workspace, and the last part of `cluster_name`. */
  readonly name: string;
  /**
   * Unique to its owner (a demo id, a probe run): it goes into `cluster_name`, which every
   * server process shows in its command line, so that all of them can be found and stopped.
   */
  readonly tag: string;
  /** TCP port on 127.0.0.1; without one the cluster listens on its unix socket only. */
  readonly port?: number;
  /** Over BASE_SETTINGS. */
  readonly settings?: Settings;
  /** Skip initdb's final fsync (throwaway clusters only). */
  readonly noSync?: boolean;
}

export type StopMode = 'smart' | 'fast' | 'immediate';

/** Where a client connects: 127.0.0.1 and the port, or the socket directory. */
export interface ClusterAddress {
  readonly host: string;
  readonly port: number;
}

/** A socket-only cluster still needs a port number: it names the socket file. */
const SOCKET_ONLY_PORT = 5432;

/**
 * One PostgreSQL cluster in a temporary directory, created by initdb or pg_basebackup, run
 * with pg_ctl as the server user. `destroy()` stops it whatever state it is in (a drill may
 * have killed its postmaster and left backends behind) and removes its data.
 */
export class PostgresCluster {
  readonly dataDir: string;
  readonly logFile: string;
  readonly clusterName: string;
  readonly address: ClusterAddress;

  private constructor(private readonly spec: ClusterSpec) {
    this.dataDir = join(spec.workspace, spec.name);
    this.logFile = join(spec.workspace, `${spec.name}.log`);
    this.clusterName = `${spec.tag}-${spec.name}`;
    this.address = spec.port === undefined ? { host: spec.workspace, port: SOCKET_ONLY_PORT } : { host: '127.0.0.1', port: spec.port };
  }

  /** A new, stopped cluster made by initdb. */
  static async init(spec: ClusterSpec, signal?: AbortSignal): Promise<PostgresCluster> {
    const cluster = new PostgresCluster(spec);
    const args = [
      '-D',
      cluster.dataDir,
      '-U',
      SUPERUSER,
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
      ...(spec.noSync ? ['--no-sync'] : []),
    ];
    await runTool(spec.binaries.tool('initdb'), args, { cwd: spec.workspace, timeoutMs: 60_000, ...(signal ? { signal } : {}) });
    writeFileSync(join(cluster.dataDir, 'pg_hba.conf'), HBA_LOOPBACK_TRUST);
    cluster.configure(spec.settings);
    return cluster;
  }

  /**
   * A new, stopped standby of `source`, copied with `pg_basebackup -R` (which writes
   * primary_conninfo and standby.signal). It streams from `source` — in the demo a fault
   * proxy's address — and names itself `applicationName` there, the name that the primary's
   * synchronous_standby_names waits for.
   */
  static async fromBaseBackup(
    spec: ClusterSpec & { readonly source: ClusterAddress; readonly applicationName: string },
    signal?: AbortSignal,
  ): Promise<PostgresCluster> {
    const cluster = new PostgresCluster(spec);
    const conninfo = `host=${spec.source.host} port=${spec.source.port} user=${SUPERUSER} application_name=${spec.applicationName}`;
    const args = ['-d', conninfo, '-D', cluster.dataDir, '-R', '--checkpoint=fast', '--wal-method=stream'];
    await runTool(spec.binaries.tool('pg_basebackup'), args, { cwd: spec.workspace, timeoutMs: 60_000, ...(signal ? { signal } : {}) });
    // The copy carries the source's postgresql.conf: the settings appended here override it.
    cluster.configure(spec.settings);
    return cluster;
  }

  async start(signal?: AbortSignal): Promise<void> {
    const args = ['start', '-D', this.dataDir, '-l', this.logFile, '-w', '-t', '30', '-s'];
    try {
      await runTool(this.spec.binaries.tool('pg_ctl'), args, {
        cwd: this.spec.workspace,
        timeoutMs: 35_000,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      throw new Error(`${errorMessage(error)}\n${this.logTail()}`, { cause: error });
    }
  }

  /** `fast` rolls back open transactions and shuts down cleanly; `immediate` is a crash. */
  async stop(mode: StopMode = 'fast'): Promise<void> {
    if (!this.isRunning()) return;
    await runTool(this.spec.binaries.tool('pg_ctl'), ['stop', '-D', this.dataDir, '-m', mode, '-w', '-t', '10', '-s'], {
      cwd: this.spec.workspace,
      timeoutMs: 15_000,
    });
  }

  /** The postmaster's pid while it runs (its postmaster.pid names a live postgres of ours). */
  postmasterPid(): number | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8');
    } catch {
      return undefined;
    }
    const pid = Number(text.split('\n')[0]);
    const info = Number.isSafeInteger(pid) && pid > 0 ? readProcess(pid) : undefined;
    return info && info.state !== 'Z' && this.ownsProcess(info) ? pid : undefined;
  }

  isRunning(): boolean {
    return this.postmasterPid() !== undefined;
  }

  /** The postmaster and every server process of this cluster, orphaned backends included. */
  processes(): ProcessInfo[] {
    return [...findTagged(this.clusterName), ...findTagged(this.dataDir)].filter(
      (info, index, all) => this.ownsProcess(info) && all.findIndex((other) => other.pid === info.pid) === index,
    );
  }

  /**
   * Stops the cluster however it is (immediate shutdown, then SIGKILL to whatever of it is
   * left) and removes its data directory and log. Never throws: it runs on every exit path.
   */
  async destroy(): Promise<void> {
    try {
      await this.stop('immediate');
    } catch {
      // A postmaster that does not answer is killed below with the rest.
    }
    const left = this.processes().map((info) => info.pid);
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await waitForExit(left, 5000);
    rmSync(this.dataDir, { recursive: true, force: true });
    rmSync(this.logFile, { force: true });
  }

  logTail(lines = 10): string {
    try {
      return readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no server log)';
    }
  }

  private configure(settings: Settings | undefined): void {
    const own: Settings = {
      listen_addresses: this.spec.port === undefined ? '' : '127.0.0.1',
      port: this.address.port,
      unix_socket_directories: this.spec.workspace,
      cluster_name: this.clusterName,
    };
    appendFileSync(join(this.dataDir, 'postgresql.conf'), `\n# Firedrill\n${renderSettings({ ...BASE_SETTINGS, ...own, ...settings })}\n`);
  }

  private ownsProcess(info: ProcessInfo): boolean {
    return info.cmdline.includes(`${this.clusterName}:`) || new RegExp(postmasterPattern(this.dataDir)).test(info.cmdline);
  }
}

/**
 * A regular expression matching the command line of the postmaster of `dataDir` (pg_ctl starts
 * it as `…/postgres -D DATADIR`), e.g. for an inventory's process match. Its children show
 * `postgres: CLUSTER_NAME: …` instead, so it matches the postmaster only.
 */
export function postmasterPattern(dataDir: string): string {
  return `postgres -D ${escapeRegExp(dataDir)}( |$)`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
