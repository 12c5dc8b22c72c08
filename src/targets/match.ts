import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { ProcessMatch } from '../engine/target.js';
import { listProcesses, readProcess } from './proc.js';
import type { ProcessInfo } from './proc.js';

/**
 * Finds the running processes a `ProcessMatch` describes; every given field must hold.
 * Zombies and Firedrill itself never match.
 */
export function findMatching(match: ProcessMatch): ProcessInfo[] {
  if (match.name === undefined && match.cmdline === undefined && match.pidFile === undefined) {
    return []; // an empty match would select every process on the machine
  }
  const candidates = match.pidFile === undefined ? listProcesses() : fromPidFile(match.pidFile);
  const cmdline = match.cmdline === undefined ? undefined : new RegExp(match.cmdline);
  return candidates.filter(
    (info) =>
      info.pid !== process.pid &&
      info.state !== 'Z' &&
      (match.name === undefined || nameMatches(info, match.name)) &&
      (cmdline === undefined || cmdline.test(info.cmdline)),
  );
}

function nameMatches(info: ProcessInfo, name: string): boolean {
  const argv0 = info.argv[0];
  return info.comm === name || (argv0 !== undefined && basename(argv0) === name);
}

function fromPidFile(file: string): ProcessInfo[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const pid = Number(text.trim());
  const info = Number.isSafeInteger(pid) && pid > 0 ? readProcess(pid) : undefined;
  return info ? [info] : [];
}
