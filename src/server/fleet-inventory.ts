import type { Store } from '../store/store.js';
import { findInventory, loadInventory } from '../targets/inventory.js';
import type { Inventory, InventoryAgent } from '../targets/inventory.js';

/**
 * What the server's runs, halts and agent views use: its inventory file (services, proxies,
 * agents), with the agents registered through the API added — a registered name wins.
 */
export function serverInventory(store: Store, file: string | (() => string | undefined) | undefined): () => Promise<Inventory | undefined> {
  return async () => {
    const found = findInventory(typeof file === 'function' ? file() : file, [process.cwd()]);
    const base = found ? loadInventory(found) : undefined;
    const registered = await store.agents.list();
    if (registered.length === 0) return base;
    const agents = new Map<string, InventoryAgent>(base?.agents ?? []);
    for (const { name, url, tokenFile, tokenEnv, ca } of registered) {
      agents.set(name, {
        name,
        url,
        ...(tokenFile !== undefined && { tokenFile }),
        ...(tokenEnv !== undefined && { tokenEnv }),
        ...(ca !== undefined && { ca }),
      });
    }
    return { file: base?.file ?? 'registered agents', services: base?.services ?? new Map(), proxies: base?.proxies ?? new Map(), agents };
  };
}
