import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../errors.js';
import type { FaultType, SweepableFault } from '../engine/fault.js';
import { byteSize, maxDurationParam, MIB } from './support/params.js';
import { spawnWorker, workerDeadline, workerFaultPowers } from './support/workers.js';

const params = z.strictObject({
  mib: z.number().positive().describe('Memory to allocate and hold, in MiB.'),
  keepAvailable: byteSize()
    .default(256 * MIB)
    .describe('Refuse to start if less than this would remain available (MemAvailable), so the OOM killer is not invited.'),
  maxDuration: maxDurationParam(),
});

type Params = z.output<typeof params>;
type State = { pids: number[]; bytes: number; deadline: number };

/**
 * argv: tag, deadline, bytes. Allocates outside the JS heap and writes every page: untouched
 * pages cost nothing, so only touched memory is real pressure. Prints `ready` once it holds it.
 */
const SCRIPT = `
const deadline = Number(process.argv[2]);
let left = Number(process.argv[3]);
const CHUNK = 64 * 1024 * 1024;
globalThis.held = [];
while (left > 0) {
  const size = Math.min(CHUNK, left);
  globalThis.held.push(Buffer.allocUnsafeSlow(size).fill(0xa5));
  left -= size;
}
process.stdout.write('ready\\n');
setInterval(() => { if (Date.now() >= deadline) process.exit(0); }, 1000);
`;

/** Worker start-up plus touching memory; generous, a slow host may page in gigabytes. */
const READY_TIMEOUT_MS = 60_000;

export function memAvailable(): number | undefined {
  const match = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return match ? Number(match[1]) * 1024 : undefined;
}

export const memoryPressure: FaultType<Params, State> & SweepableFault = {
  name: 'memory-pressure',
  summary: 'Allocate and hold memory in a worker process; the worker is killed on revert.',
  targetKind: 'host',
  params,
  reversible: true,

  async inject(ctx) {
    ctx.signal.throwIfAborted();
    const bytes = Math.round(ctx.params.mib * MIB);
    const available = memAvailable();
    if (available !== undefined && available - bytes < ctx.params.keepAvailable) {
      const have = Math.floor(available / MIB);
      const keep = Math.floor(ctx.params.keepAvailable / MIB);
      throw new UserError(
        'FD_NOT_ENOUGH_MEMORY',
        `refusing to allocate ${ctx.params.mib} MiB: ${have} MiB available and ${keep} MiB must stay available`,
      );
    }
    const deadline = workerDeadline(ctx, ctx.params.maxDuration);
    const timeout = AbortSignal.any([ctx.signal, AbortSignal.timeout(READY_TIMEOUT_MS)]);
    const pid = await spawnWorker({ ...ctx, signal: timeout }, SCRIPT, deadline, [bytes], { waitReady: true });
    return { pids: [pid], bytes, deadline };
  },

  ...workerFaultPowers<Params, State>(SCRIPT, 'memory-pressure worker'),
};
