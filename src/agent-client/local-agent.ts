import { spawn } from 'node:child_process';
import { closeSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OperationalError } from '../errors.js';
import { isAlive } from '../targets/proc.js';
import { AGENT_FILES } from '../agent-protocol/api.js';
import type { AgentInfo, AgentStatus } from '../agent-protocol/api.js';
import { AgentHttp } from './http-client.js';
import type { AgentEndpoint } from './http-client.js';
import { openPrivate, privateDir } from '../util/private-files.js';
import { selfBin } from '../util/self.js';
import { firedrillVersion } from '../util/version.js';

export interface LocalAgent extends AgentEndpoint {
  readonly info: AgentInfo;
  /** As it answered when it was found. */
  readonly status: AgentStatus;
  /** True when this call started it. */
  readonly started: boolean;
}

/** The agent running for this state directory, if one answers. */
export async function findLocalAgent(stateDir: string): Promise<LocalAgent | undefined> {
  const info = readJson<AgentInfo>(join(stateDir, AGENT_FILES.info));
  // A supervisor alive with its worker dead is restarting it: the request waits for the new one.
  if (!info || !(isAlive(info.pid) || (info.supervisorPid !== undefined && isAlive(info.supervisorPid)))) return undefined;
  const token = readToken(stateDir);
  if (!token) return undefined;
  const http = new AgentHttp({ url: info.url, token });
  try {
    const status = await http.get<AgentStatus>('/v1/status', 2000);
    return { url: info.url, token, info, status, started: false };
  } catch {
    return undefined;
  } finally {
    http.close();
  }
}

export interface StartOptions {
  readonly stateDir: string;
  /** The firedrill executable to start the agent with; this one by default. */
  readonly bin?: string;
  /** The agent exits after this long without work, so no daemon lingers. */
  readonly idleExit?: string;
  readonly timeoutMs?: number;
  /** This firedrill's version: an idle agent of another version is replaced (default: the package's). */
  readonly version?: string;
}

/**
 * The local agent, started detached (it must outlive this process: it is what reverts the
 * faults if this process dies) when none answers. Its output goes to `agent.log`.
 */
export async function ensureLocalAgent(options: StartOptions): Promise<LocalAgent> {
  const found = await findLocalAgent(options.stateDir);
  if (found && !(await replacedAsOutdated(found, options.version ?? firedrillVersion()))) return found;
  privateDir(options.stateDir); // 0700, tightened if it was looser
  const logPath = join(options.stateDir, AGENT_FILES.log);
  const log = openPrivate(logPath); // 0600: the agent's log says what ran where
  const bin = options.bin ?? selfBin('firedrill');
  const args = [
    bin,
    'agent',
    '--listen',
    '127.0.0.1:0',
    '--state-dir',
    resolve(options.stateDir),
    '--idle-exit',
    options.idleExit ?? '10m',
  ];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  const launched = { exited: null as number | null };
  child.once('exit', (code) => (launched.exited = code ?? -1));
  child.unref();

  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    await sleep(25);
    // Another run may have started one at the same moment: any agent that answers will do.
    const agent = await findLocalAgent(options.stateDir);
    if (agent) return { ...agent, started: agent.info.pid === child.pid || agent.info.supervisorPid === child.pid };
    // Exit 4: another agent holds the state directory (a run started one at the same time).
    if (launched.exited !== null && launched.exited !== 0 && launched.exited !== 4) break;
  }
  const why = launched.exited === null ? 'no answer' : `exit code ${launched.exited}`;
  throw new OperationalError('FD_AGENT_START', `could not start the local agent (${why}); see ${logPath}:\n${tail(logPath)}`);
}

/**
 * An agent left running by another version of firedrill (an upgrade; it exits when idle, 10 min
 * by default) does not know this version's fault types. Idle, it is stopped — SIGTERM, which
 * reverts whatever it holds — so that a new one starts; holding faults, it is kept: they are its
 * to revert. Resolves true once it has exited.
 */
async function replacedAsOutdated(agent: LocalAgent, version: string): Promise<boolean> {
  if (agent.status.version === version || agent.status.faults.length > 0) return false;
  const pid = agent.info.supervisorPid ?? agent.info.pid;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return true; // gone already
  }
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (!isAlive(pid) && !isAlive(agent.info.pid)) return true;
    await sleep(25);
  }
  throw new OperationalError(
    'FD_AGENT_OUTDATED',
    `the local agent (pid ${pid}) runs firedrill ${agent.status.version}, not ${version}, and did not stop within 10 s: stop it, then run again`,
  );
}

function readToken(stateDir: string): string | undefined {
  try {
    return readFileSync(join(stateDir, AGENT_FILES.token), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '';
  }
}
