import { execFileSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { OperationalError } from '../errors.js';

/** The PostgreSQL server programs of one installation (initdb, postgres, pg_ctl, …). */
export interface PostgresBinaries {
  readonly bindir: string;
  /** Major version, from the directory name or `postgres --version`. */
  readonly major: number;
  /** Absolute path of one of its programs, e.g. `tool('pg_ctl')`. */
  tool(name: PostgresTool): string;
}

export type PostgresTool = 'initdb' | 'postgres' | 'pg_ctl' | 'pg_basebackup' | 'pg_dump' | 'pg_restore' | 'psql';

/** A directory holds a server installation only when every program we run is there. */
const REQUIRED: readonly PostgresTool[] = ['initdb', 'postgres', 'pg_ctl', 'pg_basebackup', 'pg_dump', 'pg_restore', 'psql'];

/** Debian and Ubuntu install the server off PATH, one directory per major version. */
const DEBIAN_ROOT = '/usr/lib/postgresql';

let cached: PostgresBinaries | null | undefined;

/**
 * Finds PostgreSQL's server programs: `pg_config --bindir` first (it names the installation
 * the user put on PATH), else the newest `/usr/lib/postgresql/N/bin`. Undefined when neither
 * holds a server (pg_config of a client-only package points at a directory without initdb).
 */
export function findPostgresBinaries(): PostgresBinaries | undefined {
  if (cached !== undefined) return cached ?? undefined;
  const candidates = [pgConfigBindir(), ...debianBindirs()].filter((dir): dir is string => dir !== undefined);
  const bindir = candidates.find(hasServer);
  cached = bindir === undefined ? null : { bindir, major: majorVersion(bindir), tool: (name) => join(bindir, name) };
  return cached ?? undefined;
}

/** Why there is no PostgreSQL here, in words a user can act on. */
export const NO_POSTGRES =
  'no PostgreSQL server programs found (initdb, postgres, pg_ctl…): neither `pg_config --bindir` nor ' +
  '/usr/lib/postgresql/*/bin has them; on Debian or Ubuntu: apt-get install postgresql';

/** The binaries, or an OperationalError saying that there are none and how to get them. */
export function requirePostgresBinaries(): PostgresBinaries {
  const found = findPostgresBinaries();
  if (!found) throw new OperationalError('FD_NO_POSTGRES', NO_POSTGRES);
  return found;
}

function pgConfigBindir(): string | undefined {
  try {
    return (
      execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim() || undefined
    );
  } catch {
    return undefined; // not installed: the Debian layout may still have a server
  }
}

/** Every `/usr/lib/postgresql/N/bin`, newest major version first. */
function debianBindirs(): string[] {
  let versions: string[];
  try {
    versions = readdirSync(DEBIAN_ROOT).filter((name) => /^\d+(\.\d+)?$/.test(name));
  } catch {
    return [];
  }
  return versions.sort((a, b) => Number(b) - Number(a)).map((version) => join(DEBIAN_ROOT, version, 'bin'));
}

function hasServer(bindir: string): boolean {
  return REQUIRED.every((tool) => {
    try {
      accessSync(join(bindir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function majorVersion(bindir: string): number {
  const fromPath = /\/(\d+)(?:\.\d+)?\/bin\/?$/.exec(bindir)?.[1];
  if (fromPath) return Number(fromPath);
  try {
    const text = execFileSync(join(bindir, 'postgres'), ['--version'], { encoding: 'utf8', timeout: 5000 });
    return Number(/(\d+)(?:\.\d+)/.exec(text)?.[1] ?? 0);
  } catch {
    return 0;
  }
}
