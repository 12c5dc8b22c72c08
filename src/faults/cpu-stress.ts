import { availableParallelism } from 'node:os';
import { z } from 'zod';
import type { FaultType, SweepableFault } from '../engine/fault.js';
import { maxDurationParam } from './support/params.js';
import { spawnWorker, workerDeadline, workerFaultPowers } from './support/workers.js';

const params = z.strictObject({
  workers: z.number().int().min(1).max(1024).optional().describe('Number of busy worker processes; default one per CPU.'),
  load: z.number().int().min(1).max(100).default(100).describe('Percentage of one CPU each worker keeps busy (duty cycle over 100 ms).'),
  maxDuration: maxDurationParam(),
});

type Params = z.output<typeof params>;
type State = { pids: number[]; workers: number; load: number; deadline: number };

/**
 * argv: tag, deadline, load. Busy for load% of every 100 ms period, idle for the rest; checks
 * the deadline every period so it exits on its own even when nobody is left to kill it.
 */
const SCRIPT = `
const deadline = Number(process.argv[2]);
const load = Number(process.argv[3]);
const PERIOD = 100;
function cycle() {
  const start = Date.now();
  if (start >= deadline) process.exit(0);
  const busyUntil = start + (PERIOD * load) / 100;
  while (Date.now() < busyUntil);
  if (load >= 100) setImmediate(cycle);
  else setTimeout(cycle, Math.max(0, start + PERIOD - Date.now()));
}
cycle();
`;

export const cpuStress: FaultType<Params, State> & SweepableFault = {
  name: 'cpu-stress',
  summary: 'Keep CPUs busy with worker processes at a given load; the workers are killed on revert.',
  targetKind: 'host',
  params,
  reversible: true,

  async inject(ctx) {
    const workers = ctx.params.workers ?? availableParallelism();
    const deadline = workerDeadline(ctx, ctx.params.maxDuration);
    const pids: number[] = [];
    for (let i = 0; i < workers; i++) {
      ctx.signal.throwIfAborted(); // started workers are found again by tag on revert
      pids.push(await spawnWorker(ctx, SCRIPT, deadline, [ctx.params.load]));
    }
    return { pids, workers, load: ctx.params.load, deadline };
  },

  ...workerFaultPowers<Params, State>(SCRIPT, 'cpu-stress worker'),
};
