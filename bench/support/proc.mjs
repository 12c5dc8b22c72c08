// Readers of /proc (Linux): a process's state, CPU time, minor page faults and memory, the
// members of a process group, and the processes Firedrill tagged.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/**
 * The fields of /proc/PID/stat after the command name (which may hold spaces): [state, ppid,
 * pgrp, …], i.e. field 3 of proc(5) first. Throws once the process is gone.
 */
export function statFields(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/**
 * The state letter of /proc/PID/stat (R, S, T, Z…), undefined once gone. Read by index, not
 * through statFields: the reference of the safety benches polls it for 100 processes in a tight
 * loop, and a split per read would be timed with it.
 */
export function procState(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return text[text.lastIndexOf(')') + 2];
  } catch {
    return undefined;
  }
}

export const isStopped = (pid) => procState(pid) === 'T';
/** Gone, or a zombie: nothing left to stop. */
export function isGone(pid) {
  const state = procState(pid);
  return state === undefined || state === 'Z';
}

/** utime + stime of /proc/PID/stat, in clock ticks. */
export function procCpuTicks(pid) {
  const fields = statFields(pid);
  return Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of proc(5), counted from 1
}

/** Minor page faults (field 10 of proc(5)): fresh pages the process touched. */
export const procMinorFaults = (pid) => Number(statFields(pid)[7]);

/** VmRSS of /proc/PID/status, in KiB. */
export function procRssKiB(pid) {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return match ? Number(match[1]) : NaN;
}

export function clockTicks() {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
}

const livePids = () =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);

/** The live (not zombie) processes of a process group. */
export function groupPids(pgid) {
  const pids = [];
  for (const pid of livePids()) {
    try {
      const fields = statFields(pid);
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') pids.push(pid);
    } catch {
      // gone
    }
  }
  return pids;
}

/** Every live process whose argv carries `--firedrill-tag=`: [{ pid, tag, state, cmdline }]. */
export function taggedProcesses() {
  const found = [];
  for (const pid of livePids()) {
    if (pid === process.pid) continue;
    let argv;
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
    } catch {
      continue;
    }
    const flag = argv.find((arg) => arg.startsWith('--firedrill-tag='));
    if (!flag) continue;
    found.push({ pid, tag: flag.slice('--firedrill-tag='.length), state: procState(pid), cmdline: argv.join(' ').slice(0, 120) });
  }
  return found;
}
