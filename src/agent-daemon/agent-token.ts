import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_FILES } from '../agent-protocol/api.js';
import type { Logger } from '../util/log.js';
import { privateDir } from '../util/private-files.js';

const TOKEN = /^[0-9a-f]{64}$/;

/**
 * The agent's bearer token, `<stateDir>/agent.token`: 32 random bytes in hex, mode 0600 in a 0700 directory,
 * created on first start and kept across restarts (local clients read it from the file). A
 * file others could read is replaced, not just re-chmodded: the token in it may have leaked.
 */
export function ensureToken(stateDir: string, log: Logger): string {
  privateDir(stateDir); // the token, the ledger and agent.log are the agent's alone: 0700
  const file = join(stateDir, AGENT_FILES.token);
  const existing = readToken(file);
  if (existing !== undefined) {
    if ((existing.mode & 0o077) === 0 && TOKEN.test(existing.token)) return existing.token;
    const why = (existing.mode & 0o077) === 0 ? 'was not a token' : `was readable by others (mode ${(existing.mode & 0o777).toString(8)})`;
    log.warn(`${file} ${why}: a new token replaces it`);
  }
  const token = randomBytes(32).toString('hex');
  const temp = `${file}.${process.pid}.tmp`;
  rmSync(temp, { force: true });
  const fd = openSync(temp, 'wx', 0o600); // 0600 from its first byte; umask can only narrow it
  try {
    writeSync(fd, `${token}\n`);
  } finally {
    closeSync(fd);
  }
  chmodSync(temp, 0o600);
  renameSync(temp, file);
  return token;
}

function readToken(file: string): { token: string; mode: number } | undefined {
  try {
    return { mode: statSync(file).mode, token: readFileSync(file, 'utf8').trim() };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
