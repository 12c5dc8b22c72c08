import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ServicePlan, ShopPlan } from './plan.js';

export interface InventoryExtras {
  /** The firedrill executable services are (re)started with. */
  readonly bin: string;
  /** Working directory of (re)started services; their logs go to its logs/. */
  readonly dir: string;
  /** Command-line patterns of the two postmasters, when the shop has a database. */
  readonly postgres?: { readonly primary: string; readonly replica: string };
}

/** The command that starts a service: the same for the demo and for a drill's restart. */
export function serviceCommand(bin: string, service: ServicePlan): string[] {
  return [process.execPath, bin, 'demo-service', service.role, ...service.args];
}

/** Matches this service of this demo only: the demo id is in the command line. */
export function servicePattern(demoId: string, service: ServicePlan): string {
  return `demo-service ${service.role} --demo ${demoId} --name ${service.name}( |$)`;
}

export function serviceLog(dir: string, name: string): string {
  return join(dir, 'logs', `${name}.log`);
}

/**
 * Writes the shop's firedrill.inventory.yaml: every service with its labels, how to find its
 * process and how to start it again (so `process-kill` with `restart: true` and rollbacks can
 * bring it back), and every link's proxy. Drills select from it by label.
 */
export function writeInventory(file: string, plan: ShopPlan, extras: InventoryExtras): void {
  const services: Record<string, unknown> = {};
  for (const service of plan.services) {
    services[service.name] = {
      labels: service.labels,
      process: { cmdline: servicePattern(plan.demoId, service) },
      start: { command: serviceCommand(extras.bin, service), cwd: extras.dir, log: serviceLog(extras.dir, service.name) },
      endpoints: { http: `http://127.0.0.1:${service.port}/` },
    };
  }
  if (plan.database && extras.postgres) {
    const { user, database } = plan.database;
    services['pg-primary'] = {
      labels: { app: 'postgres', dc: 'a', role: 'primary' },
      process: { cmdline: extras.postgres.primary },
      endpoints: { postgres: `postgresql://${user}@127.0.0.1:${plan.database.primaryPort}/${database}` },
    };
    services['pg-replica'] = {
      labels: { app: 'postgres', dc: 'b', role: 'replica' },
      process: { cmdline: extras.postgres.replica },
      endpoints: { postgres: `postgresql://${user}@127.0.0.1:${plan.database.replicaPort}/${database}` },
    };
  }
  const proxies = Object.fromEntries(
    plan.proxies.map((proxy) => [
      proxy.name,
      { listen: `127.0.0.1:${proxy.listen}`, upstream: `127.0.0.1:${proxy.upstream}`, labels: proxy.labels },
    ]),
  );
  const header = `# Written by \`firedrill demo\` (demo ${plan.demoId}): the shop's services and the fault proxy on every link.\n`;
  writeFileSync(file, header + stringify({ version: 1, services, proxies }, { lineWidth: 0 }));
}
