import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { OperationalError } from '../errors.js';
import { isAlive, processStartTime } from '../targets/proc.js';
import { AGENT_FILES } from '../agent-protocol/api.js';

/** Another live agent holds the state directory: two agents on one ledger would revert each other's faults. */
export class AgentRunningError extends OperationalError {
  readonly pid: number;

  constructor(stateDir: string, pid: number) {
    super(
      'FD_AGENT_RUNNING',
      `another agent (pid ${pid}) already runs on the state directory ${stateDir}; stop it, or give this one another --state-dir`,
    );
    this.pid = pid;
  }
}

interface Holder {
  readonly pid: number;
  /** Tells a live holder from a stranger that inherited its pid. */
  readonly startTime?: number;
}

/** A takeover in progress older than this was abandoned by a crashed agent. */
const TAKEOVER_STALE_MS = 10_000;

/**
 * `<stateDir>/agent.lock`: one agent per state directory. Created with O_EXCL; a lock whose
 * holder is dead (or whose pid now names another process) is taken over. Taking over is itself
 * guarded by `agent.lock.takeover` (O_EXCL too), so that two agents starting together over a
 * stale lock cannot both remove it and both win.
 */
export function acquireLock(stateDir: string, name: string = AGENT_FILES.lock): { release(): void } {
  const file = join(stateDir, name);
  const me: Holder = { pid: process.pid, startTime: processStartTime(process.pid) };
  if (!create(file, me)) {
    const holder = readHolder(file);
    if (holder && holds(holder)) throw new AgentRunningError(stateDir, holder.pid);
    takeOver(file, holder, me, stateDir);
  }
  return {
    release() {
      if (readHolder(file)?.pid === me.pid) rmSync(file, { force: true });
    },
  };
}

function takeOver(file: string, stale: Holder | undefined, me: Holder, stateDir: string): void {
  const guard = `${file}.takeover`;
  if (!create(guard, me)) {
    const age = ageMs(guard);
    if (age !== undefined && age < TAKEOVER_STALE_MS) throw new AgentRunningError(stateDir, readHolder(guard)?.pid ?? 0);
    rmSync(guard, { force: true });
    if (!create(guard, me)) throw new AgentRunningError(stateDir, readHolder(guard)?.pid ?? 0);
  }
  try {
    // Still the stale lock we judged? Someone may have taken it over between our reads.
    const now = readHolder(file);
    if (now && (now.pid !== stale?.pid || now.startTime !== stale.startTime) && holds(now)) throw new AgentRunningError(stateDir, now.pid);
    rmSync(file, { force: true });
    if (!create(file, me)) throw new AgentRunningError(stateDir, readHolder(file)?.pid ?? 0);
  } finally {
    rmSync(guard, { force: true });
  }
}

function holds(holder: Holder): boolean {
  if (!isAlive(holder.pid)) return false;
  return holder.startTime === undefined || processStartTime(holder.pid) === holder.startTime;
}

/** O_EXCL create with our pid; false when the file exists. */
function create(file: string, me: Holder): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, `${JSON.stringify(me)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readHolder(file: string): Holder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    if (typeof parsed.pid !== 'number') return undefined;
    return { pid: parsed.pid, ...(typeof parsed.startTime === 'number' && { startTime: parsed.startTime }) };
  } catch {
    return undefined; // gone, or half-written by a holder that died mid-write: stale either way
  }
}

function ageMs(file: string): number | undefined {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}
