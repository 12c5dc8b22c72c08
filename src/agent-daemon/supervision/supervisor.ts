import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { errorMessage } from '../../errors.js';
import { ProxyRegistry } from '../../proxy/registry.js';
import type { Logger } from '../../util/log.js';
import { isMessage } from './messages.js';
import type { ListenerKind, ToSupervisor } from './messages.js';
import { ProxyHost } from './proxy-host.js';
import { CrashLoop } from './crash-loop.js';

/** Set in the worker's environment (see worker.ts): it takes connections and proxies from here. */
export const WORKER_ENV = 'FIREDRILL_AGENT_WORKER';

/** Connections accepted while no worker is ready wait this many at most; more are refused. */
const MAX_WAITING = 1000;

export interface SupervisorOptions {
  /** The CLI to start the worker with, and its arguments (`agent …`, the same as ours). */
  readonly bin: string;
  readonly args: readonly string[];
  readonly api: { readonly host: string; readonly port: number };
  readonly toxiproxy?: { readonly host: string; readonly port: number };
  readonly log: Logger;
  /** The worker's environment, once the sockets are bound (their ports are known then). */
  environment(ports: { api: number; toxiproxy?: number }): Record<string, string>;
  /** Told each time a worker is ready (its pid changes with every restart). */
  onReady(ready: { workerPid: number; apiPort: number; toxiproxyPort?: number }): void;
}

export interface RunningSupervisor {
  /** Stops the worker (it reverts every fault), then the proxies; resolves with the worker's exit code. */
  stop(reason: string): Promise<number>;
  /** Settles with the exit code once the supervisor stopped, whatever stopped it. */
  readonly stopped: Promise<number>;
}

/**
 * The `firedrill agent` process. It does little, so that it has little reason to fail:
 *
 *   clients ──▶ [API / Toxiproxy sockets] ── accepted, passed as handles ──▶ worker
 *   traffic ──▶ [fault proxies]  (hosted here: a worker's death never cuts a link)
 *   worker  ── exits by a signal or a crash ──▶ started again at once; its recovery reverts
 *              every fault the dead one held before it takes a connection
 *
 * The sockets stay bound while a worker restarts, so clients wait instead of being refused and
 * the port never changes. A worker that exits by itself with 0 or 3 (idle, stopped) stops the
 * supervisor too, as does one that cannot run (2: bad options, 4: another agent holds the
 * ledger); a worker that dies at start again and again is restarted ever more slowly.
 */
export async function startSupervisor(options: SupervisorOptions): Promise<RunningSupervisor> {
  const { log } = options;
  const host = new ProxyHost(new ProxyRegistry(), log);
  const waiting: { kind: ListenerKind; socket: Socket }[] = [];
  const loop = new CrashLoop();
  let worker: ChildProcess | undefined;
  let ready = false;
  let stopping: Promise<number> | undefined;
  let settle: (code: number) => void = () => {};
  const stopped = new Promise<number>((resolve) => (settle = resolve));

  // A connection goes to the ready worker, or waits for the next one. One whose hand-over
  // failed (the worker died meanwhile) waits again: a client must never hang on a socket that
  // nobody reads.
  const wait = (kind: ListenerKind, socket: Socket): void => {
    if (socket.destroyed) return;
    if (waiting.length >= MAX_WAITING) return void socket.destroy();
    waiting.push({ kind, socket });
  };
  // Our copy of a handed-over socket closes once the worker acknowledges it; a worker that dies
  // first would leave it open, its client hanging: those are closed when the worker exits.
  const handed = new Map<ChildProcess, Set<Socket>>();
  const handOver = (child: ChildProcess, kind: ListenerKind, socket: Socket): void => {
    const sockets = handed.get(child) ?? new Set<Socket>();
    handed.set(child, sockets.add(socket));
    socket.once('close', () => sockets.delete(socket));
    child.send({ type: 'connection', kind }, socket, (error: Error | null) => {
      if (!error) return;
      sockets.delete(socket);
      wait(kind, socket);
    });
  };
  const forward = (kind: ListenerKind, socket: Socket): void => {
    if (worker?.connected && ready) handOver(worker, kind, socket);
    else wait(kind, socket);
  };
  const api = await bind(options.api, (socket) => forward('api', socket));
  const toxiproxy = options.toxiproxy ? await bind(options.toxiproxy, (socket) => forward('toxiproxy', socket)) : undefined;

  const start = (): void => {
    ready = false;
    const child = fork(options.bin, [...options.args], {
      env: { ...process.env, ...options.environment({ api: port(api), ...(toxiproxy && { toxiproxy: port(toxiproxy) }) }) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    worker = child;
    child.on('message', (message) => {
      if (!isMessage<ToSupervisor>(message)) return;
      if (message.type === 'proxy-call') {
        host.handle(message, child).catch((error: unknown) => log.error('proxy call failed', { error: errorMessage(error) }));
      } else if (message.type === 'ready') {
        ready = true;
        loop.healthy();
        log.info('worker ready', { pid: child.pid });
        options.onReady({ workerPid: child.pid ?? 0, apiPort: port(api), ...(toxiproxy && { toxiproxyPort: port(toxiproxy) }) });
        for (const { kind, socket } of waiting.splice(0)) handOver(child, kind, socket);
      }
    });
    // The channel closes before 'exit' is told: from then on, connections wait for the next worker.
    child.on('disconnect', () => {
      if (worker === child) ready = false;
    });
    child.on('exit', (code, signal) => onExit(child, code, signal));
    host.attach(child);
  };

  const onExit = (child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void => {
    host.detach(child);
    for (const socket of handed.get(child) ?? []) socket.destroy();
    handed.delete(child);
    if (worker === child) worker = undefined;
    if (stopping) return;
    // 0 and 3: it stopped (idle, or told to); 2 and 4: it cannot run (bad options, another agent).
    if (signal === null && code !== null && [0, 2, 3, 4].includes(code)) {
      log.info('worker stopped: stopping too', { code });
      void stop(`worker exited with ${code}`, code);
      return;
    }
    const delay = loop.crashed();
    // Killed by a signal is something done to it (warn); exiting by itself is a crash (error).
    const level = signal === null ? 'error' : 'warn';
    log[level]('worker died: starting another; its recovery reverts what the dead one held', { code, signal, restartInMs: delay });
    setTimeout(() => {
      if (!stopping) start();
    }, delay).unref();
  };

  const stop = (reason: string, code?: number): Promise<number> => {
    stopping ??= (async () => {
      log.info('stopping', { reason });
      api.close();
      toxiproxy?.close();
      for (const { socket } of waiting.splice(0)) socket.destroy();
      const exitCode = code ?? (await stopWorker(worker));
      await host.close();
      settle(exitCode);
      return exitCode;
    })();
    return stopping;
  };

  start();
  return { stop: (reason) => stop(reason), stopped };
}

/** SIGTERM, then the worker's own clean stop (every fault reverted); its exit code. */
async function stopWorker(worker: ChildProcess | undefined): Promise<number> {
  if (!worker || worker.exitCode !== null || worker.signalCode !== null) return worker?.exitCode ?? 0;
  const exited = new Promise<number>((resolve) => worker.once('exit', (code) => resolve(code ?? 3)));
  worker.kill('SIGTERM');
  return exited;
}

/** Accepted sockets stay paused: no byte is read here, the worker reads them all. */
async function bind(where: { host: string; port: number }, onSocket: (socket: Socket) => void): Promise<Server> {
  const server = createServer({ pauseOnConnect: true }, onSocket);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(where.port, where.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

function port(server: Server): number {
  return (server.address() as AddressInfo).port;
}
