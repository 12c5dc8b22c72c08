import { z } from 'zod';
import { FiredrillError, UserError } from '../errors.js';
import type { FaultType } from '../engine/fault.js';
import { describeTarget } from '../engine/target.js';
import { sendSignal, waitForExit } from '../targets/proc.js';
import { durationMs } from './support/params.js';
import { assertSameProcess, processTarget } from './support/process.js';
import { otherReplicas, startAgainIfDown, verifyRunningAgain } from './support/service.js';

const params = z.strictObject({
  grace: durationMs().default(3000).describe('How long the process gets to exit after SIGTERM before it is sent SIGKILL.'),
});

type Params = z.output<typeof params>;
/** `pids` like every process fault, so outputs of several targets concatenate. */
type State = { pids: number[]; signal: 'SIGTERM' | 'SIGKILL'; replicas?: number[] };

/** SIGKILL cannot be caught; only a process stuck in the kernel (state D) outlives this. */
const KILL_WAIT_MS = 2000;

/**
 * Stops a service and starts it again on revert: the step's duration is the downtime.
 * The new process is detached from Firedrill so it outlives the CLI, like the original did.
 */
export const processRestart: FaultType<Params, State> = {
  name: 'process-restart',
  summary: 'Stop a service (SIGTERM, then SIGKILL after a grace period) and start it again on revert.',
  targetKind: 'process',
  params,
  reversible: true,

  async inject(ctx) {
    const target = processTarget(ctx.target);
    if (!target.start || !target.match) {
      throw new UserError('FD_NO_START', `process-restart needs a start command and a match for ${describeTarget(target)}`);
    }
    assertSameProcess(target);
    const replicas = otherReplicas(target);
    const seen = replicas && { replicas };
    if (!sendSignal(target.pid, 'SIGTERM')) {
      throw new UserError('FD_TARGET_GONE', `pid ${target.pid} exited before it could be stopped`);
    }
    let alive = await waitForExit([target.pid], ctx.params.grace, ctx.signal);
    ctx.signal.throwIfAborted();
    if (alive.length === 0) return { pids: [target.pid], signal: 'SIGTERM', ...seen };
    sendSignal(target.pid, 'SIGKILL');
    alive = await waitForExit([target.pid], KILL_WAIT_MS, ctx.signal);
    ctx.signal.throwIfAborted();
    if (alive.length > 0) throw new FiredrillError('FD_STILL_RUNNING', `pid ${target.pid} survived SIGKILL (stuck in the kernel?)`);
    return { pids: [target.pid], signal: 'SIGKILL', ...seen };
  },

  async revert(ctx, state) {
    const target = processTarget(ctx.target);
    await startAgainIfDown(ctx, target, state?.pids[0] ?? target.pid, state?.replicas);
  },

  async verify(ctx, state) {
    const target = processTarget(ctx.target);
    return await verifyRunningAgain(ctx, target, state?.pids[0] ?? target.pid);
  },
};
