import { AgentRunningError } from '../agent-daemon/agent-lock.js';
import { HostAllow } from '../agent-daemon/host-allow.js';
import { supervisedWorker } from '../agent-daemon/supervision/worker.js';
import { selfBin } from '../util/self.js';
import { UserError } from '../errors.js';
import { parseDuration } from '../util/duration.js';
import { EXIT } from './exit-codes.js';

export interface AgentCommandOptions {
  /** `host:port`, `[v6]:port`, `host` (port 7420) or `:port` (127.0.0.1). */
  listen: string;
  stateDir: string;
  tlsCert?: string;
  tlsKey?: string;
  insecure?: boolean;
  /** Duration text (`10m`); exit after that long without faults or requests. `0` or absent: stay. */
  idleExit?: string;
  /** Duration text; how often to sweep for orphans (default 30s, `0`: only at start and on recover). */
  sweepInterval?: string;
  /** `host:port` for the Toxiproxy-compatible API (Toxiproxy's own default is 127.0.0.1:8474). */
  toxiproxyListen?: string;
  /** False: run the agent in this process, with no supervisor (tests of the worker's own recovery). */
  supervise?: boolean;
  /** This host's inventory: the start commands and pid files requests may use, besides <state-dir>/allow.json. */
  inventory?: string;
}

export const DEFAULT_AGENT_PORT = 7420;

/**
 * `firedrill agent`: runs the agent until SIGTERM/SIGINT or its idle limit. Exit 0 when it
 * stopped with every fault reverted and verified, 3 when a revert could not be verified,
 * 4 when another agent already holds the state directory.
 */
export async function agentCommand(options: AgentCommandOptions): Promise<number> {
  const { host, port } = parseListen(options.listen);
  const idleExitMs = duration(options.idleExit, '--idle-exit');
  const sweepIntervalMs = duration(options.sweepInterval, '--sweep-interval');
  const toxiproxy =
    options.toxiproxyListen === undefined ? undefined : parseListen(options.toxiproxyListen, TOXIPROXY_PORT, '--toxiproxy-listen');
  if (options.inventory !== undefined) HostAllow.checkInventory(options.inventory); // now, not in a worker restarted in a loop
  const supervised = supervisedWorker();
  if (!supervised && options.supervise !== false) return superviseAgent(options, { host, port, toxiproxy });
  // The worker loads the agent proper (ledger, faults, API); the supervisor never does.
  const { startAgent } = await import('../agent-daemon/daemon.js');
  let agent;
  try {
    agent = await startAgent({
      stateDir: options.stateDir,
      host,
      port,
      ...(options.tlsCert !== undefined && { tlsCert: options.tlsCert }),
      ...(options.tlsKey !== undefined && { tlsKey: options.tlsKey }),
      insecure: options.insecure === true,
      ...(idleExitMs !== undefined && idleExitMs > 0 && { idleExitMs }),
      ...(sweepIntervalMs !== undefined && { sweepIntervalMs }),
      ...(toxiproxy && { toxiproxy }),
      handleSignals: true,
      ...(supervised && { supervised }),
      ...(options.inventory !== undefined && { inventory: options.inventory }),
    });
  } catch (error) {
    if (!(error instanceof AgentRunningError)) throw error;
    process.stderr.write(`firedrill: ${error.message}\n`);
    return EXIT.agentRunning;
  }
  // A worker's supervisor says where the agent listens; an agent on its own says it here.
  if (!supervised) process.stdout.write(`firedrill agent listening on ${agent.url} (state ${agent.stateDir})\n`);
  const stopped = await agent.stopped;
  return stopped.ok ? EXIT.passed : EXIT.toolFailure;
}

/**
 * The process a user starts: binds the sockets, hosts the fault proxies, and runs the agent
 * proper as a worker it starts again at once if it dies (see supervision/supervisor.ts).
 */
async function superviseAgent(
  options: AgentCommandOptions,
  where: { host: string; port: number; toxiproxy: { host: string; port: number } | undefined },
): Promise<number> {
  const { startSupervisedAgent } = await import('../agent-daemon/supervision/supervised-agent.js');
  let agent;
  try {
    agent = await startSupervisedAgent({
      stateDir: options.stateDir,
      host: where.host,
      port: where.port,
      ...(options.tlsCert !== undefined && { tlsCert: options.tlsCert }),
      ...(options.tlsKey !== undefined && { tlsKey: options.tlsKey }),
      insecure: options.insecure === true,
      ...(where.toxiproxy && { toxiproxy: where.toxiproxy }),
      bin: selfBin(),
      args: process.argv.slice(2),
    });
  } catch (error) {
    if (!(error instanceof AgentRunningError)) throw error;
    process.stderr.write(`firedrill: ${error.message}\n`);
    return EXIT.agentRunning;
  }
  if (agent.url) process.stdout.write(`firedrill agent listening on ${agent.url} (state ${agent.stateDir})\n`);
  return agent.stopped;
}

export function parseListen(text: string, defaultPort = DEFAULT_AGENT_PORT, option = '--listen'): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*))(?::(\d+))?$/.exec(text.trim());
  if (!match)
    throw new UserError('FD_LISTEN', `${option} ${text}: expected host:port, e.g. 127.0.0.1:${defaultPort} or [::1]:${defaultPort}`);
  const host = match[1] ?? (match[2] || '127.0.0.1');
  const port = match[3] === undefined ? defaultPort : Number(match[3]);
  if (port > 65535) throw new UserError('FD_LISTEN', `${option} ${text}: port ${port} is not a TCP port`);
  return { host, port };
}

const TOXIPROXY_PORT = 8474;

function duration(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) throw new UserError('FD_INVALID_DURATION', `${option} ${text}: expected a duration like 30s, 10m, 1h`);
  return ms;
}
