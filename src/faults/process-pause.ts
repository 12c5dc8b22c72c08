import { z } from 'zod';
import { FiredrillError, UserError } from '../errors.js';
import type { FaultType } from '../engine/fault.js';
import { processState, readProcess, sendSignal, waitUntil } from '../targets/proc.js';
import { assertSameProcess, processTarget } from './support/process.js';

const params = z.strictObject({}).describe('process-pause takes no parameters: the step duration is how long it stays paused.');

type Params = z.output<typeof params>;
/** `pids` like every process fault, so outputs of several targets concatenate. */
type State = { pids: number[] };

/** The kernel stops a process on SIGSTOP at once; this bounds the wait for /proc to show it. */
const SETTLE_MS = 1000;
const STOPPED = 'T';

/** Freezes a process with SIGSTOP (it cannot be caught or ignored) and thaws it with SIGCONT. */
export const processPause: FaultType<Params, State> = {
  name: 'process-pause',
  summary: 'Freeze a process with SIGSTOP for the duration of the step; SIGCONT on revert.',
  targetKind: 'process',
  params,
  reversible: true,

  async inject(ctx) {
    const target = processTarget(ctx.target);
    assertSameProcess(target);
    if (!sendSignal(target.pid, 'SIGSTOP')) {
      throw new UserError('FD_TARGET_GONE', `pid ${target.pid} exited before it could be paused`);
    }
    const state = await waitUntil(
      () => processState(target.pid),
      (s) => s === STOPPED || s === undefined || s === 'Z',
      SETTLE_MS,
      ctx.signal,
    );
    if (state !== STOPPED) {
      throw new FiredrillError('FD_NOT_PAUSED', `pid ${target.pid} did not stop after SIGSTOP (state ${state ?? 'gone'})`);
    }
    return { pids: [target.pid] };
  },

  async revert(ctx, state) {
    const target = processTarget(ctx.target);
    const pid = state?.pids[0] ?? target.pid;
    const info = readProcess(pid);
    // Gone, or the pid now belongs to another program: there is nothing of ours to resume.
    if (!info || (target.name && info.comm !== target.name)) return;
    sendSignal(pid, 'SIGCONT');
    await waitUntil(
      () => processState(pid),
      (s) => s !== STOPPED,
      SETTLE_MS,
    );
  },

  async verify(ctx, state) {
    const pid = state?.pids[0] ?? processTarget(ctx.target).pid;
    const current = await waitUntil(
      () => processState(pid),
      (s) => s !== STOPPED,
      SETTLE_MS,
    );
    if (current === undefined || current === 'Z') return { ok: true, detail: `pid ${pid} has exited: nothing is paused` };
    if (current === STOPPED) return { ok: false, detail: `pid ${pid} is still stopped (state T)` };
    return { ok: true, detail: `pid ${pid} is running (state ${current})` };
  },
};
