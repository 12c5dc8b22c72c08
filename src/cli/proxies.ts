import { errorMessage } from '../errors.js';
import { EXIT } from './exit-codes.js';
import { connectFleet } from '../runs/fleet.js';
import { applyInventoryProxies } from '../runs/inventory-proxies.js';
import { inventoryFor } from './inventory-option.js';

export interface ProxiesOptions {
  readonly stateDir: string;
  readonly inventory?: string;
  readonly json?: boolean;
}

/** `firedrill proxies apply`: the inventory's proxies, running. */
export async function proxiesApplyCommand(options: ProxiesOptions): Promise<number> {
  const inventory = inventoryFor(options.inventory);
  const fleet = await connectFleet({ stateDir: options.stateDir, inventory, startLocal: true });
  try {
    const applied = await applyInventoryProxies(inventory, fleet.agents);
    if (options.json) process.stdout.write(`${JSON.stringify({ proxies: applied })}\n`);
    else if (applied.length === 0) process.stdout.write('no proxies in the inventory (proxies:)\n');
    else for (const proxy of applied) process.stdout.write(`${proxy.name}: ${proxy.address} → ${proxy.upstream}\n`);
    return EXIT.passed;
  } finally {
    await fleet.close();
  }
}

/** `firedrill proxies`: every proxy on every agent the CLI knows, with its active toxics. */
export async function proxiesListCommand(options: ProxiesOptions): Promise<number> {
  const fleet = await connectFleet({ stateDir: options.stateDir, inventory: inventoryFor(options.inventory), startLocal: false });
  try {
    const listed = await Promise.all(
      [...fleet.agents].map(async ([agent, client]) => {
        try {
          return { agent, proxies: await client.listProxies() };
        } catch (error) {
          return { agent, error: errorMessage(error), proxies: [] };
        }
      }),
    );
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ agents: listed })}\n`);
    } else {
      if (listed.length === 0)
        process.stdout.write("no agent running; `firedrill proxies apply` starts the local one with the inventory's proxies\n");
      for (const { agent, proxies, error } of listed) {
        if (error) process.stdout.write(`${agent}: unreachable — ${error}\n`);
        for (const p of proxies) {
          const toxics = p.toxics.map((t) => `${t.attributes.type} (${t.stream})`).join(', ');
          process.stdout.write(
            `${agent}/${p.name}: ${p.address} → ${p.upstream}${p.enabled ? '' : '  DOWN'}  ${p.connections} connection(s)${toxics ? `  toxics: ${toxics}` : ''}\n`,
          );
        }
      }
    }
    return listed.every((l) => !l.error) ? EXIT.passed : EXIT.finding;
  } finally {
    await fleet.close();
  }
}
