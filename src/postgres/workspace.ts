import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverUser } from './server-user.js';

/**
 * A temporary directory for PostgreSQL clusters, owned by the server user. It lives in the
 * system's temporary directory rather than under the caller's: the server user must be able
 * to reach it, and /tmp is traversable by everyone while a root-owned parent may not be.
 * The unix sockets of its clusters live in it too, so only its owner (and root) reach them.
 */
export interface Workspace {
  readonly dir: string;
  remove(): void;
}

/** `label` goes into the name (`firedrill-pg-<label>-XXXXXX`) so leftovers can be traced. */
export function createWorkspace(label: string): Workspace {
  const dir = mkdtempSync(join(tmpdir(), `firedrill-pg-${label}-`));
  const user = serverUser();
  if (user.uid !== undefined && user.gid !== undefined) chownSync(dir, user.uid, user.gid);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
