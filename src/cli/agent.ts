import { AgentRunningError } from '../agent-daemon/agent-lock.js';
import { startAgent } from '../agent-daemon/daemon.js';
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
      ...(options.toxiproxyListen !== undefined && {
        toxiproxy: parseListen(options.toxiproxyListen, TOXIPROXY_PORT, '--toxiproxy-listen'),
      }),
      handleSignals: true,
    });
  } catch (error) {
    if (!(error instanceof AgentRunningError)) throw error;
    process.stderr.write(`firedrill: ${error.message}\n`);
    return EXIT.agentRunning;
  }
  process.stdout.write(`firedrill agent listening on ${agent.url} (state ${agent.stateDir})\n`);
  const stopped = await agent.stopped;
  return stopped.ok ? EXIT.passed : EXIT.toolFailure;
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
