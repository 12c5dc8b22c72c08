import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { AnyFaultType } from '../engine/fault.js';
import { errorMessage } from '../errors.js';
import { firedrillVersion } from '../util/version.js';
import { acquireLock } from './agent-lock.js';
import { ensureToken } from './agent-token.js';
import type { RevertedRunFault } from '../agent-protocol/api.js';
import { removeInfo, writeInfo } from './agent-info.js';
import { IdleClock } from './idle-clock.js';
import { listen, resolveListen, resolveToxiproxyListen, stopListening } from './listen.js';
import { createToxiproxyApp } from '../toxiproxy/app.js';
import { jsonLogger, redactingLogger } from '../util/log.js';
import { SecretSet } from '../util/redact.js';
import type { Logger } from '../util/log.js';
import { createAgentApp } from './http/app.js';
import { RemoteProxies } from './supervision/remote-proxies.js';
import { serveHanded } from './supervision/worker.js';
import type { Supervised } from './supervision/worker.js';
import { openAgentCore } from './http/core.js';
import type { AgentCore } from './http/core.js';

export interface AgentOptions {
  /** Ledger, token, lock, agent.json and halt.json live here (the CLI's `.firedrill` by default). */
  readonly stateDir: string;
  /** Default 127.0.0.1; anything beyond loopback needs TLS or `insecure`. */
  readonly host?: string;
  /** Default 0: any free port (agent.json and `url` say which). */
  readonly port?: number;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly insecure?: boolean;
  /** Exit after this long with no fault and no request; stays when absent. */
  readonly idleExitMs?: number;
  /** Orphan sweep period; default 30 s, 0 for none (the sweeps at start and on recover remain). */
  readonly sweepIntervalMs?: number;
  readonly defaultLeaseTtlMs?: number;
  readonly faults?: ReadonlyMap<string, AnyFaultType>;
  /** JSON lines on stderr by default. */
  readonly log?: Logger;
  /** Stop cleanly on SIGTERM and SIGINT (the `firedrill agent` process does; tests in-process do not). */
  readonly handleSignals?: boolean;
  /**
   * Also serve the Toxiproxy-compatible API here (`host:port`). It has no authentication, as
   * Toxiproxy's has none: loopback only, unless `insecure`.
   */
  readonly toxiproxy?: { readonly host: string; readonly port: number };
  /**
   * Started by `firedrill agent`'s supervisor: serve the connections it accepts (it holds the
   * sockets), drive the fault proxies it hosts, and stop when it is gone. Its agent.json is the
   * supervisor's to write.
   */
  readonly supervised?: Supervised;
  /** This host's inventory: the start commands and pid files requests may use (besides allow.json). */
  readonly inventory?: string;
}

export interface AgentStopped {
  /** `SIGTERM`, `idle for 600000 ms`, `closed`… */
  readonly reason: string;
  /** The faults reverted on the way out; `ok` is false when one of them could not be verified. */
  readonly reverted: readonly RevertedRunFault[];
  readonly ok: boolean;
}

export interface RunningAgent {
  readonly url: string;
  readonly token: string;
  readonly stateDir: string;
  /** Reverts every active fault (verified), stops listening, removes agent.json and the lock. */
  close(): Promise<void>;
  /** Settles once the agent stopped, whatever stopped it (close, a signal, the idle limit). */
  readonly stopped: Promise<AgentStopped>;
}

const DEFAULT_SWEEP_INTERVAL_MS = 30_000;
const SUPERVISOR_GONE = 'the supervisor is gone';
const STALL_TICK_MS = 100;
const STALL_WARN_MS = 500;

/**
 * Starts the agent daemon: lock the state dir, recover what a crashed agent left (revert and
 * verify every open ledger record, then sweep orphans), and only then listen. Every fault it
 * injects afterwards lives under a lease; a clean stop reverts them all.
 */
export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const secrets = new SecretSet(); // what requests said is secret: the ledger and the log redact it
  const log = redactingLogger(options.log ?? jsonLogger(), secrets);
  const where = resolveListen({ ...options, host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const stateDir = resolve(options.stateDir);
  mkdirSync(stateDir, { recursive: true });
  const lock = acquireLock(stateDir);
  let core: AgentCore | undefined;
  let server: Server | undefined;
  let toxiproxyServer: Server | undefined;
  try {
    const token = ensureToken(stateDir, log);
    const supervised = options.supervised;
    const remote = supervised ? new RemoteProxies(supervised.channel, log) : undefined;
    core = openAgentCore({
      stateDir,
      log,
      secrets,
      ...pick(options, 'faults', 'defaultLeaseTtlMs', 'inventory'),
      ...(remote && { proxies: remote }),
    });
    // A restarted worker finds the proxies still running in its supervisor, maybe with toxics.
    await remote?.refresh();
    const recovered = await core.keeper.recover('agent start: crash recovery');
    // No run survives a restart: what recovery did not own (a toxic half-added) goes too.
    if (remote) await remote.reset();
    log.info('crash recovery done', { reverted: recovered.length, unverified: recovered.filter((r) => !r.verification.ok).length });
    await core.sweeper.sweep();
    const halted = core.keeper.halted();
    if (halted) log.warn('starting halted: injections are refused until resume', { ...halted });

    const idle = new IdleClock();
    const startedAt = new Date().toISOString();
    const version = firedrillVersion();
    let url = '';
    const identity = () => ({ agentId: hostname(), version, pid: process.pid, startedAt, url, idleExitMs: options.idleExitMs ?? null });
    await restoreProxies(core, log);
    const app = createAgentApp({
      token,
      keeper: core.keeper,
      sweeper: core.sweeper,
      proxies: core.proxies,
      ledger: core.ledger,
      allow: core.allow,
      identity,
      log,
      activity: idle,
    });
    const listening = supervised
      ? { server: serveHanded(app, where, 'api', supervised), url: supervised.apiUrl }
      : await listen(app, where);
    server = listening.server;
    url = listening.url;
    if (where.warning) log.warn(where.warning);
    let toxiproxyUrl: string | undefined;
    if (options.toxiproxy) {
      const toxiproxyApp = createToxiproxyApp({
        proxies: core.toxiproxy.scope,
        hooks: core.toxiproxy.faults,
        // Without a listen address a proxy takes a free port of the loopback; of every interface, as Toxiproxy's do, when insecure.
        ...(options.insecure === true && { defaultListen: ':0' }),
        log,
      });
      const toxiproxyWhere = resolveToxiproxyListen(options.toxiproxy, options.insecure === true);
      const served =
        supervised?.toxiproxyUrl !== undefined
          ? { server: serveHanded(toxiproxyApp, toxiproxyWhere, 'toxiproxy', supervised), url: supervised.toxiproxyUrl }
          : await listen(toxiproxyApp, toxiproxyWhere);
      toxiproxyServer = served.server;
      toxiproxyUrl = served.url;
      log.info('serving the Toxiproxy API', { url: toxiproxyUrl });
    }
    if (supervised) {
      supervised.channel.send({ type: 'ready', pid: process.pid });
    } else {
      writeInfo(stateDir, { pid: process.pid, url, startedAt, version, ...(toxiproxyUrl ? { toxiproxyUrl } : {}) });
    }
    log.info('listening', { url, stateDir, pid: process.pid, supervised: Boolean(supervised) });
    const servers = [listening.server, ...(toxiproxyServer ? [toxiproxyServer] : [])];
    return supervise({ options, log, stateDir, token, url, core, idle, servers, lock });
  } catch (error) {
    // Undo the start, but report why it failed, not a failure of the undoing.
    const undo = async () => {
      if (server) await stopListening(server);
      if (toxiproxyServer) await stopListening(toxiproxyServer);
      await core?.close(`start failed: ${errorMessage(error)}`);
    };
    await undo().catch((undoError: unknown) => log.error('could not undo a failed start', { error: undoError }));
    lock.release();
    throw error;
  }
}

interface Parts {
  readonly options: AgentOptions;
  readonly log: Logger;
  readonly stateDir: string;
  readonly token: string;
  readonly url: string;
  readonly core: AgentCore;
  readonly idle: IdleClock;
  readonly servers: readonly Server[];
  readonly lock: { release(): void };
}

/** The running agent's timers (sweeps, idle limit), signals, and its one way to stop. */
function supervise(parts: Parts): RunningAgent {
  const { options, log, stateDir, core, idle } = parts;
  let stopping: Promise<AgentStopped> | undefined;
  let settle: (stopped: AgentStopped) => void = () => {};
  const stopped = new Promise<AgentStopped>((resolve) => (settle = resolve));
  let sweepTimer: NodeJS.Timeout | undefined;
  let idleTimer: NodeJS.Timeout | undefined;

  const stop = (reason: string): Promise<AgentStopped> => {
    stopping ??= (async () => {
      clearTimeout(sweepTimer);
      clearTimeout(idleTimer);
      clearInterval(stallWatch);
      process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
      process.off('uncaughtException', onCrash).off('unhandledRejection', onCrash);
      log.info('stopping: reverting every fault', { reason });
      let result: AgentStopped = { reason, reverted: [], ok: false };
      try {
        // Faults first (new injections are refused from here on), then the socket.
        const reverted = await core.close(reason);
        result = { reason, reverted, ok: reverted.every((r) => r.verification.ok) };
        await Promise.all(parts.servers.map(stopListening));
      } finally {
        // Under a supervisor agent.json is its to remove, unless it is gone: this is the last of it.
        if (!options.supervised || reason === SUPERVISOR_GONE) removeInfo(stateDir);
        parts.lock.release();
        log.info('stopped', { reason, reverted: result.reverted.length, ok: result.ok });
        settle(result);
      }
      return result;
    })();
    return stopping;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return log.warn('already stopping', { signal });
    stop(signal).catch((error: unknown) => log.error('stop failed', { error }));
  };
  // A bug must not leave faults behind until someone restarts the agent: revert, then die.
  const onCrash = (error: unknown): void => {
    log.error('crashed: reverting every fault before exiting', {
      error: errorMessage(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
    void stop(`crash: ${errorMessage(error)}`).finally(() => process.exit(70));
  };
  if (options.handleSignals) {
    process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
    process.on('uncaughtException', onCrash).on('unhandledRejection', onCrash);
  }
  // Without its supervisor the proxies are gone and nobody would restart this process after a
  // crash: revert everything now and stop (the next `firedrill` command starts a new agent).
  options.supervised?.channel.once('disconnect', () => {
    stop(SUPERVISOR_GONE).catch((error: unknown) => log.error('stop failed', { error }));
  });

  // Leases are timers: a loop that stalls makes every one of them late. Say so when it happens.
  let tick = Date.now();
  const stallWatch = setInterval(() => {
    const now = Date.now();
    if (now - tick > STALL_WARN_MS) log.warn('the event loop stalled: lease expiries were late', { stalledMs: now - tick - STALL_TICK_MS });
    tick = now;
  }, STALL_TICK_MS);
  stallWatch.unref();

  const sweepEvery = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  const sweepLater = (): void => {
    if (sweepEvery <= 0 || stopping) return;
    sweepTimer = setTimeout(() => {
      core.sweeper
        .sweep()
        .catch((error: unknown) => log.error('orphan sweep failed', { error }))
        .finally(sweepLater);
    }, sweepEvery);
  };
  sweepLater();

  const idleLimit = options.idleExitMs;
  if (idleLimit !== undefined && idleLimit > 0) {
    const check = (): void => {
      // Proxies carry the system's traffic: an agent running any is never idle.
      const idleFor = idle.idleFor(core.keeper.size > 0 || core.proxies.list().length > 0);
      if (idleFor >= idleLimit) {
        stop(`idle for ${idleFor} ms`).catch((error: unknown) => log.error('stop failed', { error }));
        return;
      }
      idleTimer = setTimeout(check, Math.max(25, Math.min(idleLimit - idleFor, 5000)));
    };
    idleTimer = setTimeout(check, idleLimit);
  }

  return {
    url: parts.url,
    token: parts.token,
    stateDir,
    close: async () => {
      await stop('closed');
    },
    stopped,
  };
}

/**
 * Makes the proxies of the previous run of this agent again, without toxics (those were faults:
 * recovery has closed them). One that cannot bind now is logged; the others still start. Under
 * a supervisor they may still be running (only the worker restarted): those are kept.
 */
async function restoreProxies(core: AgentCore, log: Logger): Promise<void> {
  for (const proxy of core.ledger.savedProxies()) {
    const running = core.proxies.get(proxy.name);
    if (running && running.listen === proxy.listen && running.upstream === proxy.upstream) continue;
    try {
      if (running) await core.proxies.update(proxy.name, { listen: proxy.listen, upstream: proxy.upstream });
      else await core.proxies.create(proxy);
      log.info('proxy restored', { ...proxy });
    } catch (error) {
      log.error('could not restore a proxy', { ...proxy, error: errorMessage(error) });
    }
  }
}

function pick<T extends object, K extends keyof T>(source: T, ...keys: K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}
