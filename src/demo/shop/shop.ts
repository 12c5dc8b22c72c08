import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AgentClient } from '../../agent-client/client.js';
import { ensureLocalAgent } from '../../agent-client/local-agent.js';
import type { LocalAgent } from '../../agent-client/local-agent.js';
import { LOCAL_AGENT } from '../../agent-client/router.js';
import { applyInventoryProxies } from '../../runs/inventory-proxies.js';
import { OperationalError } from '../../errors.js';
import { findPostgresBinaries, NO_POSTGRES } from '../../postgres/binaries.js';
import { postmasterPattern } from '../../postgres/cluster.js';
import { createWorkspace } from '../../postgres/workspace.js';
import type { Workspace } from '../../postgres/workspace.js';
import { findTagged, isAlive, waitForExit } from '../../targets/proc.js';
import { loadInventory, INVENTORY_FILE } from '../../targets/inventory.js';
import { claimDirectory } from '../leftovers.js';
import { startAuditServer } from './audit.js';
import { Cleanup } from './cleanup.js';
import { startShopDatabase } from './database.js';
import { serviceCommand, serviceLog, writeInventory } from './inventory-file.js';
import { LoadGenerator } from './load.js';
import { DATABASE, planShop } from './plan.js';
import type { ShopPlan } from './plan.js';
import { freePorts } from './ports.js';
import { spawnService, stopDemoProcesses } from './processes.js';
import { waitForGateways } from './ready.js';
import type { StartedService } from './ready.js';

/** Services, proxies, two databases, the audit endpoint, and room to spare. */
const PORTS_NEEDED = 30;

export interface ShopOptions {
  /** The demo's temporary directory: the inventory and the services' logs go there. */
  readonly dir: string;
  /** Firedrill state directory whose local agent runs the shop's proxies. */
  readonly stateDir: string;
  /** bin/firedrill.js, to start the services (`firedrill demo-service …`) and the agent. */
  readonly bin: string;
  readonly log?: (line: string) => void;
}

export interface Address {
  readonly host: string;
  readonly port: number;
}

export interface Shop {
  readonly gatewayUrl: string;
  readonly singleDcGatewayUrl: string;
  readonly auditUrl: string;
  /** The firedrill.inventory.yaml it wrote. */
  readonly inventoryFile: string;
  /** Direct addresses of the databases (not through proxies); null when there are no PostgreSQL binaries. */
  readonly postgres: { readonly primary: Address; readonly replica: Address; readonly user: string; readonly database: string } | null;
  readonly load: LoadGenerator;
  /** Browsing only, through the gateway that knows only dc a: what drill 5's customers see. */
  readonly singleDcLoad: LoadGenerator;
  /** The id in every service's command line. */
  readonly demoId: string;
  /**
   * Starts again every service of the shop whose process is gone (a drill that burned a
   * datacenter leaves it down); returns their names. The databases are not rebuilt.
   */
  restartMissingServices(): string[];
  /** Stops every process, removes every proxy and temporary cluster; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts the shop: fault proxies on every link (through the local agent), a PostgreSQL primary
 * and its synchronous replica, four catalog replicas, two orders instances and two gateways,
 * then waits until both gateways have every upstream healthy. A failure at any step stops what
 * was already started.
 */
export async function startShop(options: ShopOptions): Promise<Shop> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const since = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  const cleanup = new Cleanup((line) => log(line));
  try {
    const demoId = `fd${randomBytes(4).toString('hex')}`;
    const binaries = findPostgresBinaries();
    if (!binaries) log(`${NO_POSTGRES} — the shop runs without its orders service`);
    const ports = await freePorts(PORTS_NEEDED);
    const plan = planShop({ demoId, owner: process.pid, withDatabase: binaries !== undefined, port: () => ports.pop() ?? 0 });

    let workspace: Workspace | undefined;
    if (binaries) {
      const created = createWorkspace(demoId);
      workspace = created;
      claimDirectory(created.dir);
      cleanup.add(`remove ${created.dir}`, () => created.remove());
    }
    mkdirSync(join(options.dir, 'logs'), { recursive: true });
    const inventoryFile = join(options.dir, INVENTORY_FILE);
    writeInventory(inventoryFile, plan, {
      bin: options.bin,
      dir: options.dir,
      ...(workspace
        ? {
            postgres: {
              primary: postmasterPattern(join(workspace.dir, 'primary')),
              replica: postmasterPattern(join(workspace.dir, 'replica')),
            },
          }
        : {}),
    });

    const agent = await ensureLocalAgent({ stateDir: options.stateDir, bin: options.bin });
    const client = new AgentClient(agent, { name: LOCAL_AGENT });
    cleanup.add('stop the proxies', () => removeProxies(client, plan, agent));
    await applyInventoryProxies(loadInventory(inventoryFile), new Map([[LOCAL_AGENT, client]]));
    log(`${plan.proxies.length} fault proxies on the agent of ${options.stateDir} (${since()})`);

    let postgres: Shop['postgres'] = null;
    if (binaries && workspace && plan.database) {
      const database = await startShopDatabase(binaries, workspace, demoId, plan.database, log);
      cleanup.add('stop PostgreSQL', () => database.destroy());
      postgres = {
        primary: { host: '127.0.0.1', port: plan.database.primaryPort },
        replica: { host: '127.0.0.1', port: plan.database.replicaPort },
        ...DATABASE,
      };
      log(`postgres primary (dc a) and synchronous replica (dc b) ready (${since()})`);
    }

    cleanup.add('stop the services', () => stopDemoProcesses(demoId));
    const children = startServices(plan, options);
    const gatewayUrl = `http://127.0.0.1:${plan.gateway.port}`;
    const singleDcGatewayUrl = `http://127.0.0.1:${plan.singleDcGateway.port}`;
    const load = new LoadGenerator({ gatewayUrl });
    const singleDcLoad = new LoadGenerator({ gatewayUrl: singleDcGatewayUrl, readsPerSecond: 20, ordersPerSecond: 0 });
    cleanup.add('stop the load', () => Promise.all([load.drain(), singleDcLoad.drain()]).then(() => undefined));
    const pair = postgres && { primary: { ...postgres.primary, ...DATABASE }, replica: { ...postgres.replica, ...DATABASE } };
    const audit = await startAuditServer(
      plan.auditPort,
      pair,
      () => load.ackedIds(),
      (id) => load.ack(id),
    );
    cleanup.add('stop the audit endpoint', () => audit.close());
    await waitForGateways([gatewayUrl, singleDcGatewayUrl], children, 20_000);
    log(`${plan.services.length} services up, both gateways see every upstream healthy (${since()})`);

    return {
      gatewayUrl,
      singleDcGatewayUrl,
      auditUrl: audit.url,
      inventoryFile,
      postgres,
      load,
      singleDcLoad,
      demoId,
      restartMissingServices: () => restartMissing(plan, options),
      stop: () => cleanup.run(),
    };
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}

function startServices(plan: ShopPlan, options: ShopOptions): StartedService[] {
  return plan.services.map((service) => {
    const log = serviceLog(options.dir, service.name);
    return { name: service.name, log, child: spawnService(serviceCommand(options.bin, service), options.dir, log) };
  });
}

function restartMissing(plan: ShopPlan, options: ShopOptions): string[] {
  const missing = plan.services.filter((service) => findTagged(`--demo ${plan.demoId} --name ${service.name} `).length === 0);
  for (const service of missing) spawnService(serviceCommand(options.bin, service), options.dir, serviceLog(options.dir, service.name));
  return missing.map((service) => service.name);
}

/** Deletes the shop's proxies; stops the agent too when the shop started it. */
async function removeProxies(client: AgentClient, plan: ShopPlan, agent: LocalAgent): Promise<void> {
  try {
    await Promise.all(plan.proxies.map((proxy) => client.deleteProxy(proxy.name).catch(() => undefined)));
  } finally {
    await client.close();
  }
  if (!agent.started) return;
  // SIGTERM: the agent reverts whatever faults it still holds, then exits.
  const pid = agent.info.pid;
  if (isAlive(pid)) process.kill(pid, 'SIGTERM');
  const left = await waitForExit([pid], 10_000);
  if (left.length > 0) {
    process.kill(pid, 'SIGKILL');
    throw new OperationalError('FD_AGENT_STOP', `the local agent (pid ${pid}) did not stop within 10 s of SIGTERM and was killed`);
  }
}
