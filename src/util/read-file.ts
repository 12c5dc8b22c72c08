import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { UserError } from '../errors.js';

/** Input files (experiments, variables, inventories) are small; anything bigger is a mistake. */
export const MAX_INPUT_BYTES = 10 * 1024 * 1024;

/**
 * Reads a text input file of at most 10 MB. The file is opened without blocking and checked
 * before a byte is read, so a FIFO (which would wait for a writer), a device such as /dev/zero
 * (which never ends) or a directory is refused at once; reading stops past the limit even if
 * the file grows meanwhile.
 */
export function readInputFile(file: string, what: string): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw unreadable(file, what, reasonOf(error), error);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw unreadable(file, what, 'is a directory');
    if (!stat.isFile()) throw unreadable(file, what, 'not a regular file (a device, a FIFO or a socket)');
    if (stat.size > MAX_INPUT_BYTES) throw unreadable(file, what, tooBig(stat.size));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(Math.max(stat.size - total, 0), MAX_INPUT_BYTES) + 65_536);
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      total += read;
      if (total > MAX_INPUT_BYTES) throw unreadable(file, what, tooBig(total));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw unreadable(file, what, reasonOf(error), error);
  } finally {
    closeSync(fd);
  }
}

function tooBig(bytes: number): string {
  return `larger than 10 MB (${bytes} bytes or more); input files are at most 10 MB`;
}

function unreadable(file: string, what: string, reason: string, cause?: unknown): UserError {
  return new UserError('FD_FILE_UNREADABLE', `cannot read ${what} file ${file}: ${reason}`, cause === undefined ? {} : { cause });
}

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return String(error);
}
