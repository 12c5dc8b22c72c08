import { chmodSync, closeSync, lstatSync, mkdirSync, openSync } from 'node:fs';

/**
 * What Firedrill keeps on disk — the state directory, the ledger, agent.log, journals — may
 * hold target names, commands and traces of what a drill did: it is the user's alone. Files
 * are created 0600 and directories 0700 from the start (umask can only narrow a mode), and
 * ones that already exist looser are tightened, since an older Firedrill made them 0644/0755.
 */
export const PRIVATE_FILE = 0o600;
export const PRIVATE_DIR = 0o700;

/** Makes the directory (and missing parents, 0700) and tightens it to 0700 if it was looser. */
export function privateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIR });
  tighten(path, PRIVATE_DIR);
}

/** Opens a file for appending, created 0600 or tightened to 0600; returns the descriptor. */
export function openPrivate(path: string, flags = 'a'): number {
  const fd = openSync(path, flags, PRIVATE_FILE);
  try {
    tighten(path, PRIVATE_FILE);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

/** Tightens an existing file or directory to at most `mode` (never a symlink's target); absent is fine. */
export function tighten(path: string, mode: number): void {
  let current: number;
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    current = stat.mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if ((current & ~mode) !== 0) chmodSync(path, current & mode);
}
