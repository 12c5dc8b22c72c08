import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import { selfBin } from '../util/self.js';
import { listen, resolveListen, stopListening } from '../agent-daemon/listen.js';
import type { ListenOptions } from '../agent-daemon/listen.js';
import { loadCatalog } from '../runs/catalog.js';
import { Store } from '../store/store.js';
import { serverInventory } from './fleet-inventory.js';
import type { Logger } from '../util/log.js';
import type { Clock, Scheduler } from '../drills/scheduler.js';
import { DrillService } from './drill-service.js';
import { firedrillVersion } from '../util/version.js';
import { createServerApp } from './app.js';
import { RunService } from './run-service.js';
import { ServerMetrics } from './metrics.js';
import { AlertInbox } from './alert-inbox.js';
import { GameDayService } from './gameday-service.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';

export interface ServeOptions {
  /** `postgres://…`, or a SQLite file; default `<stateDir>/server.db`. */
  readonly database?: string | undefined;
  readonly stateDir: string;
  readonly listen: ListenOptions;
  readonly log: Logger;
  /** The inventory the server's runs resolve targets with (its own file, never a client's); read again at each use. */
  readonly inventory?: string | (() => string | undefined) | undefined;
  /** Claim on each run this replica executes (default 10 s). */
  readonly runLeaseMs?: number | undefined;
  /** The agents' lease on each fault of the server's runs (default 5 s). */
  readonly faultLeaseTtlMs?: number | undefined;
  /** The built dashboard; default: dist/web next to this firedrill's bin. */
  readonly webDir?: string | undefined;
  /** The drill scheduler's clock and pace (tests); it ticks every `tickMs` (default 500 ms). */
  readonly drills?: { clock?: Clock; tickMs?: number; claimMs?: number; horizonMs?: number; off?: boolean } | undefined;
}

export interface RunningServer {
  readonly url: string;
  readonly store: Store;
  /** Runs executed by this server: the demo starts its drills through it, to be watched in the dashboard. */
  readonly runs: RunService;
  /** The drills and their scheduler. */
  readonly drills: DrillService;
  /** Game days and their driver. */
  readonly gamedays: GameDayService;
  /** Set on the first start of a store only: the admin's one-time password. */
  readonly admin?: { readonly name: string; readonly password: string };
  /** Said once when it listens in clear beyond loopback. */
  readonly warning?: string;
  close(): Promise<void>;
}

/** Opens (and migrates) the store, makes the first admin on an empty one, and serves the API. */
export async function startControlPlane(options: ServeOptions): Promise<RunningServer> {
  const where = resolveListen(options.listen); // refused before anything is opened
  const store = await Store.open(options.database ?? join(options.stateDir, 'server.db'));
  let server: Server | undefined;
  let runs: RunService | undefined;
  let dispatcher: WebhookDispatcher | undefined;
  let scheduler: Scheduler | undefined;
  let alerts: AlertInbox | undefined;
  let gamedays: GameDayService | undefined;
  try {
    const metrics = new ServerMetrics();
    dispatcher = new WebhookDispatcher(store, options.log, metrics);
    const catalog = await loadCatalog();
    const inventory = serverInventory(store, options.inventory);
    // The drill service needs the run service, which tells it each run's end: made just after.
    const ends: { drills?: DrillService } = {};
    alerts = new AlertInbox(store, options.log);
    runs = new RunService({
      feeds: { alerts },
      onEnded: (end) => ends.drills?.runEnded(end) ?? Promise.resolve(),
      store,
      stateDir: options.stateDir,
      inventory,
      log: options.log,
      runLeaseMs: options.runLeaseMs,
      faultLeaseTtlMs: options.faultLeaseTtlMs,
      metrics,
    });
    const drills = new DrillService(store, runs, options.log, { ...options.drills, gamedays: () => gamedays, inventory });
    ends.drills = drills;
    metrics.debt = () => drills.debtByTeam();
    // A replica's hold on the game days it drives lapses like its hold on its runs: another carries on.
    gamedays = new GameDayService(store, runs, options.log, { leaseMs: options.runLeaseMs });
    const app = createServerApp({
      drills,
      alerts,
      gamedays,
      store,
      catalog,
      runs,
      stateDir: options.stateDir,
      inventory,
      log: options.log,
      version: firedrillVersion(),
      secureCookies: where.tls !== undefined,
      metrics,
      webDir: options.webDir ?? join(dirname(selfBin()), '..', 'dist', 'web'),
    });
    const listening = await listen(app as never, where);
    // Only once it listens: a server that could not (its port taken) leaves no admin behind whose
    // one-time password nobody saw — the next start, on another port, prints one.
    const admin = await store.users.bootstrapAdmin();
    if (!options.drills?.off) drills.scheduler.start(options.drills?.tickMs);
    gamedays.start();
    scheduler = drills.scheduler;
    server = listening.server;
    options.log.info('control plane listening', { url: listening.url, store: store.location, dialect: store.dialect });
    const running = server;
    const service = runs;
    const webhooks = dispatcher;
    const inbox = alerts;
    const days = gamedays;
    return {
      url: listening.url,
      store,
      runs: service,
      ...(admin && { admin }),
      ...(where.warning && { warning: where.warning }),
      drills,
      gamedays: days,
      close: async () => {
        await scheduler?.stop(); // no launch starts past this point
        await days.stop();
        await service.close(); // every run here aborted, its faults reverted
        await webhooks.close();
        inbox.close();
        await stopListening(running);
        await store.close();
      },
    };
  } catch (error) {
    await scheduler?.stop();
    await gamedays?.stop();
    await runs?.close();
    await dispatcher?.close();
    alerts?.close();
    if (server) await stopListening(server).catch(() => undefined);
    await store.close().catch(() => undefined);
    throw error;
  }
}
