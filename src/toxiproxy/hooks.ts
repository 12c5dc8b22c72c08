import type { ProxyInfo, ProxyManager, ToxicSpec } from '../proxy/api.js';

/**
 * What the agent hears of toxics the Toxiproxy API puts in place and takes away, so that its
 * ledger records them (halt and crash recovery then apply) and it can refuse them while halted.
 *
 * - `beforeAdd` runs before a toxic is added, and before an update puts a toxic's new spec in
 *   place (same id). If it throws, nothing is added or changed and the client gets the error
 *   (a FiredrillError `FD_HALTED` or any OperationalError: 503; a UserError: 400).
 * - `afterRemove` runs once a toxic is gone: removed by DELETE, with its proxy (DELETE of the
 *   proxy, a proxy replaced by /populate), by /reset; and also when the proxy manager refused a
 *   toxic that `beforeAdd` had accepted, so an announced toxic is always closed.
 */
export interface ToxicHooks {
  beforeAdd?(proxy: string, spec: ToxicSpec): void | Promise<void>;
  afterRemove?(proxy: string, id: string): void | Promise<void>;
}

/** Tells `afterRemove` of toxics that are gone; every one is told even if one of them throws. */
export async function announceRemoved(hooks: ToxicHooks | undefined, proxy: string, ids: readonly string[]): Promise<void> {
  if (!hooks?.afterRemove) return;
  const told = await Promise.allSettled(ids.map(async (id) => hooks.afterRemove?.(proxy, id)));
  const failed = told.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}

export function toxicIds(info: ProxyInfo | undefined): string[] {
  return info?.toxics.map((toxic) => toxic.id) ?? [];
}

/**
 * Removes toxics of a proxy and tells the hooks of every one that is gone, even when a removal
 * failed after the toxic left (the proxy manager drops it before its held data has drained);
 * the first failure is thrown after that.
 */
export async function removeToxics(
  proxies: ProxyManager,
  hooks: ToxicHooks | undefined,
  proxy: string,
  ids: readonly string[],
): Promise<void> {
  const removals = await Promise.allSettled(ids.map(async (id) => proxies.removeToxic(proxy, id)));
  const left = new Set(toxicIds(proxies.get(proxy)));
  await announceRemoved(
    hooks,
    proxy,
    ids.filter((id) => !left.has(id)),
  );
  const failed = removals.find((removal) => removal.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Runs changes one at a time, in arrival order. A check ("no such toxic yet"), the hook and the
 * change it guards must not interleave with another request's, or a duplicate add could close
 * the ledger record of the toxic that won (Toxiproxy holds a lock the same way).
 */
export type Exclusive = <T>(change: () => Promise<T>) => Promise<T>;

export function exclusive(): Exclusive {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(change: () => Promise<T>): Promise<T> => {
    const run = tail.then(change);
    tail = run.catch(() => undefined);
    return run;
  };
}
