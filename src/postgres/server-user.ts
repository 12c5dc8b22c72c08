import { readFileSync } from 'node:fs';
import { OperationalError } from '../errors.js';

/**
 * The operating-system user the PostgreSQL programs run as. PostgreSQL refuses to run as
 * root, so when Firedrill is root the server, its tools and its files belong to `postgres`
 * (the account Debian's package creates); otherwise they run as the current user.
 */
export interface ServerUser {
  readonly name: string;
  /** Set only when it differs from ours: then spawn must switch to it and files be chowned. */
  readonly uid?: number;
  readonly gid?: number;
  readonly home: string;
}

let cached: ServerUser | undefined;

export function serverUser(): ServerUser {
  if (cached) return cached;
  if (process.getuid?.() !== 0) {
    cached = { name: process.env.USER ?? 'current user', home: process.env.HOME ?? '/' };
    return cached;
  }
  const entry = readPasswd().find((fields) => fields[0] === 'postgres');
  if (!entry) {
    throw new OperationalError(
      'FD_NO_POSTGRES_USER',
      'PostgreSQL cannot run as root and there is no `postgres` user to run it as (the postgresql package creates one)',
    );
  }
  cached = { name: 'postgres', uid: Number(entry[2]), gid: Number(entry[3]), home: entry[5] ?? '/' };
  return cached;
}

function readPasswd(): string[][] {
  try {
    return readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((line) => line.split(':'));
  } catch {
    return [];
  }
}
