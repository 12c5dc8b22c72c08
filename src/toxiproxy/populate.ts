import type { ProxyInfo, ProxyManager } from '../proxy/api.js';
import { asObject } from './body.js';
import { badRequestBody } from './errors.js';
import { announceRemoved, toxicIds } from './hooks.js';
import type { ToxicHooks } from './hooks.js';
import { createProxy, readProxyDefinition, sameListen, shownListen } from './proxy-shape.js';
import { rememberGiven, renderToxic } from './toxic-shape.js';

/** A populate that stopped at an entry: its error, and the proxies made or kept before it. */
export class PopulateFailure extends Error {
  constructor(
    readonly error: unknown,
    readonly populated: readonly ProxyInfo[],
  ) {
    super('populate stopped', { cause: error });
  }
}

/**
 * POST /populate, as Toxiproxy does it. The whole list is read first: a malformed entry (no
 * name, no upstream) is a 400 and nothing changes. Then each entry in order: a proxy of that name
 * with the same listen and upstream is left as it is, toxics and all (so populating at every boot
 * is safe); one that differs is replaced; proxies not in the list stay. An entry that fails (its
 * listen address taken or malformed) stops the list there: what was done before it stays, and
 * the failure carries it (PopulateFailure). A proxy it was to replace stays too, disabled, with
 * its toxics, as Toxiproxy leaves it (it stops the old proxy before starting the new one).
 */
export async function populate(
  proxies: ProxyManager,
  hooks: ToxicHooks | undefined,
  body: unknown,
  defaultListen: string,
): Promise<ProxyInfo[]> {
  if (!Array.isArray(body)) throw badRequestBody('expected a JSON array of proxies');
  const definitions = body.map((entry: unknown, i) => readProxyDefinition(asObject(entry, `proxy ${i + 1}`), defaultListen, i + 1));
  const populated: ProxyInfo[] = [];
  for (const definition of definitions) {
    const existing = proxies.get(definition.name);
    if (existing && existing.upstream === definition.upstream && sameListen(existing, definition.listen)) {
      populated.push(existing);
      continue;
    }
    try {
      if (existing) await proxies.delete(definition.name);
      populated.push(await createProxy(proxies, definition));
    } catch (error) {
      if (existing) await keepDisabled(proxies, hooks, existing);
      throw new PopulateFailure(error, populated);
    }
    if (existing) await announceRemoved(hooks, existing.name, toxicIds(existing));
  }
  return populated;
}

/**
 * Brings a replaced proxy back, disabled, with its toxics (shown as they were given). Best
 * effort: the populate's own error stays the answer, and a toxic that cannot come back is told
 * to the hooks as removed.
 */
async function keepDisabled(proxies: ProxyManager, hooks: ToxicHooks | undefined, old: ProxyInfo): Promise<void> {
  if (proxies.get(old.name)) return; // it never went away
  let lost = old.toxics;
  try {
    await proxies.create(
      { name: old.name, listen: shownListen(old), upstream: old.upstream, enabled: false },
      { resolveUpstream: 'on-connect' },
    );
    lost = old.toxics.filter((toxic) => {
      try {
        rememberGiven(
          proxies.addToxic(old.name, toxic).toxics.find((t) => t.id === toxic.id),
          renderToxic(toxic),
        );
        return false;
      } catch {
        return true;
      }
    });
  } catch {
    // It could not come back: every toxic it had is gone.
  }
  await announceRemoved(hooks, old.name, toxicIds({ ...old, toxics: lost })).catch(() => undefined);
}
