// Time as the benches read it: epoch milliseconds with sub-millisecond precision (comparable
// with the agent's and the journal's Date.now() stamps), polling until a condition holds, and
// waiting with a deadline. Free of side effects: helper processes import it too.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/**
 * Epoch milliseconds with sub-millisecond precision, comparable with the Date.now() stamps of the
 * agent and the journal: aligned once on a tick of Date.now() (performance.timeOrigin is off by
 * up to a millisecond or two).
 */
const epochOffset = (() => {
  const first = Date.now();
  let tick;
  while ((tick = Date.now()) === first);
  return tick - performance.now();
})();
export const nowMs = () => epochOffset + performance.now();

/**
 * Polls every `intervalMs` until `done()` holds; returns the epoch ms it held at, or undefined
 * on timeout. `done` may be async (an API call); a synchronous answer is not awaited, so the
 * stamp of a revert timed with a 1 ms poll carries no extra tick.
 */
export async function pollUntil(done, timeoutMs, intervalMs = 1) {
  const deadline = nowMs() + timeoutMs;
  for (;;) {
    let held = done();
    if (held instanceof Promise) held = await held;
    if (held) return nowMs();
    if (nowMs() > deadline) return undefined;
    await sleep(intervalMs);
  }
}

/** `promise`, or a rejection naming `what` after `ms`. */
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
