import { cpSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { once } from 'node:events';
import { runDemo, writeDemoReports } from '../demo/demo.js';
import type { DemoResult } from '../demo/demo.js';
import { formatDuration } from '../util/duration.js';
import { EXIT } from './exit-codes.js';
import { UserError } from '../errors.js';
import { selfBin } from '../util/self.js';
import { startDemoUi } from './demo-ui.js';
import type { DemoUi } from './demo-ui.js';

export interface DemoCommandOptions {
  readonly stateDir: string;
  readonly keep?: boolean;
  readonly json?: boolean;
  /** Serve the dashboard and run the drills through it, to be watched live in a browser. */
  readonly ui?: boolean;
  /** With --ui: start at once and stop at the end (no Enter to press, no Ctrl-C to wait for). */
  readonly wait?: boolean;
  /** A game day instead of the six drills (src/demo/gameday/). */
  readonly gameday?: boolean;
  /** A security game day on a namespace "host" (src/demo/intrusion/). */
  readonly intrusion?: boolean;
}

/**
 * `firedrill demo`: starts the two-datacenter shop, runs the drills against it, prints the
 * summary and writes the reports. Ctrl-C aborts the drill in progress (its faults reverted) and
 * stops the shop; `--keep` leaves the shop running until Ctrl-C so the user can run the drills.
 */
export async function demoCommand(options: DemoCommandOptions): Promise<number> {
  if (options.intrusion) {
    if (options.ui || options.keep || options.gameday)
      throw new UserError('FD_DEMO_OPTIONS', '--intrusion plays on its own: without --ui, --keep or --gameday');
    return (await import('./demo-intrusion.js')).demoIntrusionCommand(options);
  }
  if (options.gameday) {
    if (options.ui || options.keep) throw new UserError('FD_DEMO_OPTIONS', '--gameday plays on its own: without --ui or --keep');
    return (await import('./demo-gameday.js')).demoGameDayCommand(options);
  }
  const bin = selfBin();
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => controller.abort(new Error(`interrupted by ${signal}`));
  // SIGHUP too: closing the terminal must not leave the shop's databases running.
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal).on('SIGHUP', onSignal);
  const out = options.json ? process.stderr : process.stdout;
  let result: DemoResult | undefined;
  let ui: DemoUi | undefined;
  try {
    const examples = join(dirname(bin), '..', 'examples', 'demo');
    const wait = options.wait !== false;
    if (options.ui) ui = await startDemoUi({ stateDir: options.stateDir, out, wait, signal: controller.signal });
    result = await runDemo({ stateDir: options.stateDir, examples, bin, signal: controller.signal, out, execute: ui?.execute });
    const reports = await writeDemoReports(result);
    const { formatSummaryTable } = await import('../report/index.js');
    const matched = result.summary.drills.every((d) => d.verdict === d.expected) && !controller.signal.aborted;
    // A drill that did not end as built to is explained by the shop's own logs: keep them.
    const shopLogs = matched ? undefined : keepShopLogs(result);
    if (options.json) {
      // The shop's id is in every process and temporary directory it made: scripts can check for leftovers.
      process.stdout.write(
        `${JSON.stringify({ ...result.summary, matched, reports, shop: { id: result.shop.demoId, dir: result.scratch, logs: shopLogs } })}\n`,
      );
    } else {
      out.write(`\n${formatSummaryTable(result.summary)}`);
      out.write(
        `\n${matched ? 'every drill showed what it was built to show' : 'some drills did not end as expected: see the reports'} (${formatDuration(result.summary.durationMs)})\n`,
      );
      out.write(
        `report ${relative(process.cwd(), reports.html)}\n        ${relative(process.cwd(), reports.markdown)}, ${relative(process.cwd(), reports.junit)}\n`,
      );
      if (shopLogs) out.write(`the shop's logs (its services and databases): ${relative(process.cwd(), shopLogs)}\n`);
    }
    if (options.keep && !controller.signal.aborted) await keepShop(result, examples, out, controller.signal);
    if (ui && wait && !controller.signal.aborted) {
      out.write(`\n${await ui.scheduleDrills(result, examples)}\n`);
      out.write(`The dashboard stays up at ${ui.url}, with the shop: read the runs and their reports there. Ctrl-C stops it all.\n`);
      await once(controller.signal, 'abort');
    }
    return matched ? EXIT.passed : EXIT.finding;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal).off('SIGHUP', onSignal);
    await ui?.close();
    if (result) {
      if (options.keep) out.write('\nstopping the shop…\n');
      await result.shop.stop();
      rmSync(result.scratch, { recursive: true, force: true });
      if (options.keep) out.write('every service, proxy and database of the shop stopped; its temporary directories removed\n');
    }
  }
}

/** Copies the shop's logs next to the reports (its temporary directory goes); undefined when it cannot. */
function keepShopLogs(result: DemoResult): string | undefined {
  const kept = join(result.reportDir, 'shop-logs');
  try {
    cpSync(join(result.scratch, 'logs'), kept, { recursive: true });
    return kept;
  } catch {
    return undefined;
  }
}

/** Leaves the shop running and says how to drill it, until Ctrl-C. */
async function keepShop(result: DemoResult, examples: string, out: NodeJS.WriteStream, signal: AbortSignal): Promise<void> {
  const { shop } = result;
  const restarted = shop.restartMissingServices();
  const here = (file: string) => relative(process.cwd(), file) || '.';
  const drill = here(join(examples, '1-a-replica-dies.yaml'));
  const promoted = shop.postgres ? ' The database runs on the promoted replica, without a standby now.' : '';
  const restartedNote = restarted.length > 0 ? `Started again after the drills: ${restarted.join(', ')}.${promoted}\n` : '';
  out.write(`
The shop keeps running (Ctrl-C stops it and removes everything):
  gateway        ${shop.gatewayUrl}/products
  inventory      ${shop.inventoryFile}
  logs           ${join(result.scratch, 'logs')}
${restartedNote}Try a drill against it, from another terminal in this directory:
  npx firedrill run ${drill} --inventory ${shop.inventoryFile} --var gateway=${shop.gatewayUrl}
  npx firedrill proxies --inventory ${shop.inventoryFile}
The other drills are in ${here(examples)}.
`);
  if (!signal.aborted) await once(signal, 'abort');
}
