import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { DemoResult, DrillExecutor } from '../demo/demo.js';
import { scheduleDemoDrills } from './demo-drills.js';
import { startControlPlane } from '../server/serve.js';
import type { RunningServer } from '../server/serve.js';
import type { Logger } from '../util/log.js';
import { newSeed } from '../util/random.js';
import { DEFAULT_SERVER_PORT } from './server.js';

export interface DemoUi {
  readonly url: string;
  /** Runs each drill through the dashboard's server, so that it is watched live in the browser. */
  readonly execute: DrillExecutor;
  /** After the six drills: the demo's drills as routine, on its shop; says what to watch. */
  scheduleDrills(result: DemoResult, examples: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * `firedrill demo --ui`: a control plane on 127.0.0.1 over a store of its own (a fresh one each
 * time: its one-time admin password is printed), serving the dashboard; the drills run through
 * it. Waits for Enter before the first drill unless `wait` is false.
 */
export async function startDemoUi(options: {
  stateDir: string;
  out: NodeJS.WriteStream;
  wait: boolean;
  signal: AbortSignal;
}): Promise<DemoUi> {
  const dir = mkdtempSync(join(tmpdir(), 'firedrill-demo-ui-'));
  const log: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (msg) => process.stderr.write(`firedrill server: ${msg}\n`),
    error: (msg) => process.stderr.write(`firedrill server: ${msg}\n`),
  };
  // The shop's inventory, once it runs: the monkey draws among its opted-in services.
  let inventory: string | undefined;
  const serve = (port: number) =>
    startControlPlane({
      stateDir: options.stateDir,
      database: join(dir, 'dashboard.db'),
      listen: { host: '127.0.0.1', port },
      log,
      inventory: () => inventory,
    });
  let server: RunningServer;
  try {
    // The usual port when it is free, any free one when it is not.
    server = await serve(DEFAULT_SERVER_PORT).catch(() => serve(0));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const { out } = options;
  out.write(`\nWatch the drills live: ${server.url}\n`);
  if (server.admin) out.write(`  log in as ${server.admin.name} with the one-time password ${server.admin.password}\n`);
  out.write('  the red Halt button stops everything: the drill in progress is aborted and its faults reverted\n');
  if (options.wait) await pressEnter(out, options.signal);
  const running = server;
  return {
    url: running.url,
    execute: async (prepared, run) => {
      const { info, done } = await running.runs.startPrepared(
        'demo',
        prepared,
        {
          name: run.file,
          experimentId: null,
          experimentVersion: null,
          secret: false,
          author: 'demo',
          vars: run.vars,
          dryRun: false,
          seed: newSeed(),
        },
        [run.progress],
      );
      const interrupt = () => void running.runs.cancel(info.id, 'the demo was interrupted');
      options.signal.addEventListener('abort', interrupt, { once: true });
      try {
        return await done;
      } finally {
        options.signal.removeEventListener('abort', interrupt);
        run.progress.close();
      }
    },
    scheduleDrills: async (result, examples) => {
      inventory = result.shop.inventoryFile;
      return scheduleDemoDrills(running, result, examples);
    },
    close: async () => {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits for Enter (or the end of stdin, or Ctrl-C). */
async function pressEnter(out: NodeJS.WriteStream, signal: AbortSignal): Promise<void> {
  out.write('Open it and log in, then press Enter to start the drills… ');
  const lines = createInterface({ input: process.stdin });
  try {
    await Promise.race([once(lines, 'line'), once(lines, 'close'), once(signal, 'abort')]);
  } finally {
    lines.close();
  }
  out.write('\n');
}
