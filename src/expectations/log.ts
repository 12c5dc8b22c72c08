import { execFile } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { ExpectationMatcher } from '../engine/expectation.js';
import type { LogMatcher } from '../experiment/expectation-schema.js';
import { poll } from './poll.js';

const run = promisify(execFile);
const COMMAND_TIMEOUT_MS = 10_000;
/** Bytes read from a file per look; a line longer than this is searched in pieces. */
const CHUNK = 1 << 20;

/**
 * A line matching `regex` appears: in a file, after where the file ended when the clock started
 * (a file truncated or rotated in place is read again from its start); or in a command's output
 * (an argument list, never a shell), a line that was not in its first output.
 */
export const logMatcher: ExpectationMatcher<LogMatcher> = {
  kind: 'log',
  async watch(params, { signal }) {
    const regex = new RegExp(params.regex);
    const found = (line: string, where: string) => ({ at: Date.now(), detail: `${where}: ${line.trim().slice(0, 300)}` });
    if (params.file !== undefined) {
      const file = params.file;
      let offset = await stat(file).then(
        (s) => s.size,
        () => 0, // not there yet: read it from its start once it is
      );
      let partial = '';
      return poll(params.every, signal, async () => {
        const size = await stat(file).then(
          (s) => s.size,
          () => undefined,
        );
        if (size === undefined) return undefined;
        if (size < offset) [offset, partial] = [0, '']; // truncated or rotated in place
        if (size === offset) return undefined;
        const handle = await open(file, 'r');
        try {
          const buffer = Buffer.alloc(Math.min(size - offset, CHUNK));
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
          offset += bytesRead;
          const lines = (partial + buffer.subarray(0, bytesRead).toString('utf8')).split('\n');
          partial = lines.pop() ?? '';
          const line = lines.find((l) => regex.test(l));
          return line === undefined ? undefined : found(line, file);
        } finally {
          await handle.close();
        }
      });
    }
    const [command = '', ...args] = params.command ?? [];
    const output = async () => {
      const { stdout, stderr } = await run(command, args, { timeout: COMMAND_TIMEOUT_MS, maxBuffer: 8 * CHUNK, signal });
      return `${stdout}\n${stderr}`.split('\n');
    };
    const before = new Set(await output());
    return poll(params.every, signal, async () => {
      const line = (await output()).find((l) => !before.has(l) && regex.test(l));
      return line === undefined ? undefined : found(line, params.command?.join(' ') ?? command);
    });
  },
};
