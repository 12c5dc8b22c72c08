import { mkdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { errorMessage } from '../../errors.js';
import { AGENT_FILES } from '../../agent-protocol/api.js';
import { firedrillVersion } from '../../util/version.js';
import { jsonLogger } from '../../util/log.js';
import type { Logger } from '../../util/log.js';
import { acquireLock } from '../agent-lock.js';
import { removeInfo, writeInfo } from '../agent-info.js';
import { resolveListen, resolveToxiproxyListen } from '../listen.js';
import type { ListenOptions } from '../listen.js';
import { startSupervisor } from './supervisor.js';
import { workerEnvironment } from './worker.js';

export interface SupervisedAgentOptions extends ListenOptions {
  readonly stateDir: string;
  readonly toxiproxy?: { readonly host: string; readonly port: number };
  /** How to start a worker: this CLI, with the same `agent …` arguments. */
  readonly bin: string;
  readonly args: readonly string[];
  readonly log?: Logger;
}

export interface SupervisedAgent {
  /** Undefined when the worker exited before it was ever ready (its reason is in the log). */
  readonly url: string | undefined;
  readonly stateDir: string;
  /** The exit code: the worker's last (0 all reverted and verified, 3 not), 70 on a crash here. */
  readonly stopped: Promise<number>;
}

/**
 * `firedrill agent`: the supervisor (supervisor.lock) in front of a worker (agent.lock, the
 * ledger). Checks the listen options here, so that a bad one fails once, not in every worker;
 * writes agent.json each time a worker is ready; stops on SIGTERM, SIGINT or SIGHUP.
 */
export async function startSupervisedAgent(options: SupervisedAgentOptions): Promise<SupervisedAgent> {
  const log = options.log ?? jsonLogger();
  const where = resolveListen(options);
  const toxiproxyWhere = options.toxiproxy && resolveToxiproxyListen(options.toxiproxy, options.insecure === true);
  const stateDir = resolve(options.stateDir);
  mkdirSync(stateDir, { recursive: true });
  const lock = acquireLock(stateDir, AGENT_FILES.supervisorLock);
  const startedAt = new Date().toISOString();
  let firstReady: (url: string) => void = () => {};
  const ready = new Promise<string>((resolve) => (firstReady = resolve));
  let urls = { api: '', toxiproxy: undefined as string | undefined };
  const supervisor = await startSupervisor({
    bin: options.bin,
    args: options.args,
    api: { host: where.host, port: where.port },
    ...(toxiproxyWhere && { toxiproxy: { host: toxiproxyWhere.host, port: toxiproxyWhere.port } }),
    log,
    environment: (ports) => {
      const toxiproxy = ports.toxiproxy === undefined ? undefined : url('http', toxiproxyWhere?.host ?? '', ports.toxiproxy);
      urls = { api: url(where.tls ? 'https' : 'http', where.host, ports.api), toxiproxy };
      return workerEnvironment(urls.api, urls.toxiproxy);
    },
    onReady: ({ workerPid }) => {
      const version = firedrillVersion();
      writeInfo(stateDir, {
        pid: workerPid,
        supervisorPid: process.pid,
        url: urls.api,
        startedAt,
        version,
        ...(urls.toxiproxy && { toxiproxyUrl: urls.toxiproxy }),
      });
      firstReady(urls.api);
    },
  }).catch((error: unknown) => {
    lock.release();
    throw error;
  });

  const onSignal = (signal: NodeJS.Signals): void => void supervisor.stop(signal);
  const onCrash = (error: unknown): void => {
    log.error('supervisor crashed: stopping the worker (it reverts every fault)', { error: errorMessage(error) });
    void supervisor.stop('crash').finally(() => process.exit(70));
  };
  process.on('SIGTERM', onSignal).on('SIGINT', onSignal).on('SIGHUP', onSignal);
  process.on('uncaughtException', onCrash).on('unhandledRejection', onCrash);
  const stopped = supervisor.stopped.then((code) => {
    process.off('SIGTERM', onSignal).off('SIGINT', onSignal).off('SIGHUP', onSignal);
    process.off('uncaughtException', onCrash).off('unhandledRejection', onCrash);
    removeInfo(stateDir);
    lock.release();
    return code;
  });
  // A worker that cannot start at all (exit 2, 4) stops the supervisor before it is ever ready.
  return { url: await Promise.race([ready, stopped.then(() => undefined)]), stateDir, stopped };
}

function url(scheme: string, host: string, port: number): string {
  return `${scheme}://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
