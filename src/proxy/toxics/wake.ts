/** A pending wake-up of a toxic's queue; `cancel` clears it (a timer or an immediate, whichever it is). */
export interface Wake {
  cancel(): void;
}

/**
 * Runs `run` after `ms` milliseconds, or on the next turn of the event loop when `ms` is under 1:
 * Node's timers count whole milliseconds from a cached loop time, and a 1 ms timer fires 1 to 2 ms
 * later.
 */
export function wakeAfter(ms: number, run: () => void): Wake {
  if (ms >= 1) {
    const timer = setTimeout(run, ms);
    return { cancel: () => clearTimeout(timer) };
  }
  const immediate = setImmediate(run);
  return { cancel: () => clearImmediate(immediate) };
}
