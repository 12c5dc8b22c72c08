import { OperationalError, errorMessage } from '../errors.js';
import type { AgentClient } from '../agent-client/client.js';
import { LOCAL_AGENT } from '../agent-client/router.js';
import type { ProxyInfo } from '../proxy/api.js';
import type { Inventory } from '../targets/inventory.js';

/**
 * Makes every proxy of the inventory run on its agent (created, or updated when its listen or
 * upstream changed). Services talk to the proxies' listen addresses, so this comes before the
 * services start; `firedrill run` does it too before each run.
 */
export async function applyInventoryProxies(
  inventory: Inventory | undefined,
  agents: ReadonlyMap<string, AgentClient>,
): Promise<ProxyInfo[]> {
  const proxies = [...(inventory?.proxies.values() ?? [])];
  return Promise.all(
    proxies.map(async (proxy) => {
      const agent = agents.get(proxy.agent ?? LOCAL_AGENT);
      if (!agent)
        throw new OperationalError(
          'FD_UNKNOWN_AGENT',
          `proxy ${proxy.name} runs on agent ${proxy.agent ?? LOCAL_AGENT}, which cannot be reached`,
        );
      try {
        return await agent.applyProxy(proxy.name, { listen: proxy.listen, upstream: proxy.upstream });
      } catch (error) {
        throw new OperationalError('FD_PROXY_APPLY', `proxy ${proxy.name} (${proxy.listen} → ${proxy.upstream}): ${errorMessage(error)}`, {
          cause: error,
        });
      }
    }),
  );
}
