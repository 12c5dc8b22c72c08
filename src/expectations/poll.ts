import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../errors.js';
import type { Sighting } from '../engine/expectation.js';

/**
 * Calls `look` at once and then every `every` ms until it sees something or `signal` aborts.
 * A look that throws is tried again at the next one; if not one look ever succeeded by the end,
 * the last error is thrown (the expectation could not be watched, which is not "not seen").
 */
export async function poll(every: number, signal: AbortSignal, look: () => Promise<Sighting | undefined>): Promise<Sighting | undefined> {
  let answered = false;
  let lastError: string | undefined;
  while (!signal.aborted) {
    try {
      const sighting = await look();
      answered = true;
      if (sighting) return sighting;
    } catch (error) {
      if (signal.aborted) break;
      lastError = errorMessage(error);
    }
    await sleep(every, undefined, { signal }).catch(() => undefined);
  }
  if (!answered && lastError !== undefined) throw new Error(lastError);
  return undefined;
}
