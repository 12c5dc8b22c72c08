import type { ProxyInfo, ProxyManager, ToxicSpec } from '../proxy/api.js';
import { asObject } from './body.js';
import { badRequestBody, ToxiproxyApiError } from './errors.js';
import { announceRemoved, toxicIds } from './hooks.js';
import type { ToxicHooks } from './hooks.js';
import { createProxy, readProxyDefinition, shownListen } from './proxy-shape.js';

/**
 * POST /populate: creates or replaces each proxy of the list, in order. A proxy of the same name
 * with the same listen and upstream is left as it is, toxics and all (so populating at every
 * boot is safe); one that differs is replaced; proxies not in the list stay.
 *
 * All or nothing: the whole list is checked first, and if a proxy cannot be created (its listen
 * address is taken) the ones created are deleted and the replaced ones come back, on their
 * bound address and with their toxics. Removed toxics are told to the hooks only once the
 * whole list is in place.
 */
export async function populate(proxies: ProxyManager, hooks: ToxicHooks | undefined, body: unknown): Promise<ProxyInfo[]> {
  if (!Array.isArray(body)) throw badRequestBody('expected a JSON array of proxies');
  const definitions = body.map((entry: unknown, i) => readProxyDefinition(asObject(entry, `proxy ${i + 1}`), i + 1));
  const seen = new Set<string>();
  definitions.forEach(({ name }, i) => {
    if (seen.has(name)) throw new ToxiproxyApiError(`duplicate proxy name "${name}" at proxy ${i + 1}`, 400);
    seen.add(name);
  });

  const populated: ProxyInfo[] = [];
  const created: string[] = [];
  const replaced: ProxyInfo[] = [];
  try {
    for (const definition of definitions) {
      const existing = proxies.get(definition.name);
      if (existing && existing.upstream === definition.upstream && [existing.listen, shownListen(existing)].includes(definition.listen)) {
        populated.push(existing);
        continue;
      }
      if (existing) {
        await proxies.delete(definition.name);
        replaced.push(existing);
      }
      populated.push(await createProxy(proxies, definition));
      created.push(definition.name);
    }
  } catch (error) {
    await restore(proxies, hooks, created, replaced);
    throw error;
  }
  for (const old of replaced) await announceRemoved(hooks, old.name, toxicIds(old));
  return populated;
}

/**
 * Best effort, and the populate's own error stays the answer: a replaced proxy or toxic that
 * cannot come back (its address taken meanwhile) is told to the hooks as removed.
 */
async function restore(proxies: ProxyManager, hooks: ToxicHooks | undefined, created: readonly string[], replaced: readonly ProxyInfo[]): Promise<void> {
  for (const name of created.toReversed()) await settle(async () => proxies.delete(name));
  for (const old of replaced) {
    const back = await settle(async () => proxies.create({ name: old.name, listen: shownListen(old), upstream: old.upstream, enabled: old.enabled }));
    const lost = back ? old.toxics.filter((toxic) => !tryAdd(proxies, old.name, toxic)) : old.toxics;
    await settle(async () => announceRemoved(hooks, old.name, lost.map((toxic) => toxic.id)));
  }
}

/** Whether the step went through; a failure is swallowed. */
async function settle(step: () => Promise<unknown>): Promise<boolean> {
  try {
    await step();
    return true;
  } catch {
    return false;
  }
}

function tryAdd(proxies: ProxyManager, proxy: string, toxic: ToxicSpec): boolean {
  try {
    proxies.addToxic(proxy, toxic);
    return true;
  } catch {
    return false;
  }
}
