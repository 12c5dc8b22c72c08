import { closeSync, openSync, readSync } from 'node:fs';
import type { TableChecksum } from './checksums.js';

/**
 * What the source held when a dump was taken: the row count and checksum of each table, from
 * the very snapshot pg_dump read. Written as the first line of the plain dump — an SQL comment,
 * so psql ignores it — it lets a dump be verified later against its source as it was, while
 * the live source keeps changing (the demo's load writes orders all the time).
 */
export interface DumpManifest {
  readonly database: string;
  readonly takenAt: string;
  readonly tables: readonly TableChecksum[];
}

const PREFIX = '-- firedrill-source: ';

export function manifestHeader(manifest: DumpManifest): string {
  return `${PREFIX}${JSON.stringify(manifest)}\n`;
}

/** The manifest of a dump file, or undefined when it has none (any other dump). */
export function readManifest(file: string): DumpManifest | undefined {
  const line = firstLine(file);
  if (!line.startsWith(PREFIX)) return undefined;
  try {
    const parsed = JSON.parse(line.slice(PREFIX.length)) as Partial<DumpManifest>;
    return Array.isArray(parsed.tables) ? (parsed as DumpManifest) : undefined;
  } catch {
    return undefined; // a damaged header: verify against the live source instead
  }
}

/** The manifest line is at most this long: a few dozen bytes per table. */
const MAX_HEADER = 1_048_576;

function firstLine(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(MAX_HEADER);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, read).toString('utf8');
    const end = text.indexOf('\n');
    return end < 0 ? text : text.slice(0, end);
  } finally {
    closeSync(fd);
  }
}
