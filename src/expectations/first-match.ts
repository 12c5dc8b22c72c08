import type { Sighting } from '../engine/expectation.js';

/**
 * The first item a feed delivers that `accept` turns into a sighting, or undefined once `signal`
 * aborts. The feed may call back at once (what it received before) or later.
 */
export function firstMatch<T>(
  subscribe: (onItem: (item: T) => void) => () => void,
  accept: (item: T) => Sighting | undefined,
  signal: AbortSignal,
): Promise<Sighting | undefined> {
  return new Promise((resolve) => {
    let finished = false;
    const subscription: { stop?: () => void } = {};
    const finish = (sighting: Sighting | undefined) => {
      if (finished) return;
      finished = true;
      signal.removeEventListener('abort', onAbort);
      subscription.stop?.();
      resolve(sighting);
    };
    const onAbort = () => finish(undefined);
    if (signal.aborted) return resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    subscription.stop = subscribe((item) => {
      const sighting = finished ? undefined : accept(item);
      if (sighting) finish(sighting);
    });
    if (finished) subscription.stop(); // it called back at once, before `stop` was known
  });
}
