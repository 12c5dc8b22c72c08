import type { Server } from 'node:http';
import { UserError, errorMessage } from '../../errors.js';
import { isAlive } from '../../targets/proc.js';
import { parseDuration } from '../../util/duration.js';
import { startCatalog } from './catalog.js';
import { startGateway } from './gateway.js';
import { parseAddress } from './http-io.js';
import { close } from './listen.js';
import { OrdersDatabase } from './orders-db.js';
import { startOrders } from './orders.js';
import type { UpstreamAddress } from './upstream-pool.js';

/** `firedrill demo-service ROLE …` options, as commander gives them. */
export interface DemoServiceOptions {
  /** The demo's id: in every service's command line, so the demo finds all of its processes. */
  readonly demo: string;
  readonly name: string;
  readonly port: string;
  readonly dc?: string;
  /** The demo's pid: a service exits when it is gone, so a crashed demo leaves no service behind. */
  readonly owner?: string;
  readonly primary?: string;
  readonly replica?: string;
  readonly user: string;
  readonly database: string;
  readonly failoverAfter: string;
  readonly catalog: string[];
  readonly orders: string[];
}

export const SERVICE_ROLES = ['catalog', 'orders', 'gateway'] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];

/** Runs one shop service until SIGTERM or SIGINT (or the owner's death); exit code 0. */
export async function demoServiceCommand(role: string, options: DemoServiceOptions): Promise<number> {
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${options.name}: ${line}\n`);
  const port = Number(options.port);
  let stopService: () => Promise<void>;
  if (role === 'catalog') {
    const server = await startCatalog({ name: options.name, dc: options.dc ?? '?', port });
    stopService = () => close(server);
  } else if (role === 'gateway') {
    const server = await startGateway({
      name: options.name,
      port,
      catalog: options.catalog.map(upstream),
      orders: options.orders.map(upstream),
      log,
    });
    stopService = () => close(server);
  } else if (role === 'orders') {
    stopService = await runOrders(options, port, log);
  } else {
    throw new UserError('FD_DEMO_ROLE', `unknown demo service role "${role}" (expected ${SERVICE_ROLES.join(', ')})`);
  }
  log(`${role} listening on 127.0.0.1:${port}`);
  const why = await stopRequested(options.owner === undefined ? undefined : Number(options.owner));
  log(`stopping (${why})`);
  await stopService();
  return 0;
}

async function runOrders(options: DemoServiceOptions, port: number, log: (line: string) => void): Promise<() => Promise<void>> {
  if (!options.primary || !options.replica) throw new UserError('FD_DEMO_OPTIONS', 'orders needs --primary and --replica');
  const endpoint = (address: string) => ({ ...parseAddress(address), user: options.user, database: options.database });
  const database = new OrdersDatabase({
    primary: endpoint(options.primary),
    replica: endpoint(options.replica),
    name: options.name,
    failoverAfterMs: parseDuration(options.failoverAfter) ?? 2000,
    queryTimeoutMs: 1000,
    commitTimeoutMs: 5000,
    checkIntervalMs: 250,
    log,
  });
  let server: Server | undefined;
  try {
    await database.start();
    server = await startOrders({ name: options.name, dc: options.dc ?? '?', port, database });
  } catch (error) {
    await database.close();
    throw error;
  }
  const started = server;
  return async () => {
    await close(started);
    await database.close();
  };
}

/** `catalog-a1=127.0.0.1:41001` */
function upstream(text: string): UpstreamAddress {
  const at = text.indexOf('=');
  if (at <= 0) throw new UserError('FD_DEMO_OPTIONS', `expected name=host:port, got "${text}"`);
  try {
    return { name: text.slice(0, at), ...parseAddress(text.slice(at + 1)) };
  } catch (error) {
    throw new UserError('FD_DEMO_OPTIONS', errorMessage(error), { cause: error });
  }
}

/** Resolves with the reason once the service should stop. */
function stopRequested(owner: number | undefined): Promise<string> {
  return new Promise((resolve) => {
    const done = (why: string) => {
      clearInterval(watch);
      process.off('SIGTERM', onTerm).off('SIGINT', onInt);
      resolve(why);
    };
    const onTerm = () => done('SIGTERM');
    const onInt = () => done('SIGINT');
    process.on('SIGTERM', onTerm).on('SIGINT', onInt);
    const watch = setInterval(() => {
      if (owner !== undefined && !isAlive(owner)) done(`the demo (pid ${owner}) is gone`);
    }, 1000);
  });
}
