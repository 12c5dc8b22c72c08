import { z } from 'zod';
import { FiredrillError, UserError } from '../errors.js';
import type { FaultType } from '../engine/fault.js';
import { describeTarget } from '../engine/target.js';
import { isAlive, sendSignal, waitForExit } from '../targets/proc.js';
import { formatDuration } from '../util/duration.js';
import { durationMs, SIGNALS } from './support/params.js';
import { assertSameProcess, processTarget } from './support/process.js';
import { otherReplicas, startAgainIfDown, verifyRunningAgain } from './support/service.js';

const params = z.strictObject({
  signal: z.enum(SIGNALS).default('SIGTERM').describe('Signal sent to the process.'),
  waitExit: durationMs()
    .default(5000)
    .describe('How long to wait for the process to exit; the injection fails if it is still running then (0: do not wait).'),
  restart: z
    .boolean()
    .default(false)
    .describe("On revert, start the service again with the target's start command; without it the process stays down."),
});

type Params = z.output<typeof params>;
type State = { pids: number[]; signal: string; replicas?: number[] };

/** Kills a process. Irreversible: revert restarts the service when asked to, else does nothing. */
export const processKill: FaultType<Params, State> = {
  name: 'process-kill',
  summary: 'Send a signal (SIGTERM by default) to a process and wait for it to exit.',
  targetKind: 'process',
  params,
  reversible: false,

  async inject(ctx) {
    const target = processTarget(ctx.target);
    if (ctx.params.restart && !target.start) {
      throw new UserError('FD_NO_START', `restart: true needs a start command for ${describeTarget(target)}`);
    }
    assertSameProcess(target);
    const replicas = otherReplicas(target);
    const state: State = { pids: [target.pid], signal: ctx.params.signal, ...(replicas && { replicas }) };
    if (!sendSignal(target.pid, ctx.params.signal)) {
      throw new UserError('FD_TARGET_GONE', `pid ${target.pid} exited before it could be signalled`);
    }
    if (ctx.params.waitExit > 0) {
      const alive = await waitForExit([target.pid], ctx.params.waitExit, ctx.signal);
      ctx.signal.throwIfAborted();
      if (alive.length > 0) {
        const waited = formatDuration(ctx.params.waitExit);
        throw new FiredrillError('FD_STILL_RUNNING', `pid ${target.pid} still running ${waited} after ${ctx.params.signal}`);
      }
    }
    return state;
  },

  async revert(ctx, state) {
    if (!ctx.params.restart) return;
    const target = processTarget(ctx.target);
    await startAgainIfDown(ctx, target, state?.pids[0] ?? target.pid, state?.replicas);
  },

  async verify(ctx, state) {
    const target = processTarget(ctx.target);
    const pid = state?.pids[0] ?? target.pid;
    if (ctx.params.restart) return await verifyRunningAgain(ctx, target, pid);
    // Honest either way: nothing to undo, but say whether the kill took effect.
    const detail = isAlive(pid) ? `pid ${pid} is still running: it never went down` : `irreversible: pid ${pid} stays down`;
    return { ok: true, detail };
  },
};
