import { UserError } from '../../errors.js';
import { findMatching } from '../../targets/match.js';
import { assertSafeToSignal, readProcess } from '../../targets/proc.js';
import type { ProcessInfo } from '../../targets/proc.js';
import { TAG_FLAG } from '../../engine/fault.js';
import type { ProcessTarget } from '../../engine/target.js';
import type { FindProcessesRequest } from '../../agent-protocol/api.js';
import type { HostAllow } from '../host-allow.js';

/**
 * The processes on this host a match selects, for a controller resolving targets here. Never
 * Firedrill: not the agent, its ancestors or pid 1 (assertSafeToSignal), nor a stress worker.
 * A pid file is read only when this host allows it (403 otherwise).
 */
export function findProcesses(match: FindProcessesRequest['match'], allow: HostAllow): ProcessTarget[] {
  const { pid, ...fields } = match;
  if (fields.pidFile !== undefined) allow.checkPidFile(fields.pidFile, { route: 'POST /v1/processes/find' });
  if (fields.cmdline !== undefined) checkPattern(fields.cmdline);
  const byFields = fields.name !== undefined || fields.cmdline !== undefined || fields.pidFile !== undefined;
  if (!byFields && pid === undefined) throw new UserError('FD_EMPTY_MATCH', 'match: give at least one of name, cmdline, pidFile or pid');
  let found: ProcessInfo[];
  if (byFields) found = findMatching(fields);
  else {
    const info = readProcess(pid as number);
    found = info && info.state !== 'Z' ? [info] : [];
  }
  return found
    .filter((info) => (pid === undefined || info.pid === pid) && isTargetable(info))
    .map((info) => ({ kind: 'process', pid: info.pid, name: info.comm, cmdline: info.cmdline }));
}

function isTargetable(info: ProcessInfo): boolean {
  if (info.argv.some((arg) => arg.startsWith(TAG_FLAG))) return false;
  try {
    assertSafeToSignal(info.pid);
    return true;
  } catch {
    return false;
  }
}

function checkPattern(pattern: string): void {
  try {
    new RegExp(pattern);
  } catch (error) {
    throw new UserError('FD_INVALID_BODY', `match.cmdline: not a regular expression: ${(error as Error).message}`);
  }
}
