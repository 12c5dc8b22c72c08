import { rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { once } from 'node:events';
import { runDemo, writeDemoReports } from '../demo/demo.js';
import type { DemoResult } from '../demo/demo.js';
import { formatDuration } from '../util/duration.js';
import { EXIT } from './exit-codes.js';

export interface DemoCommandOptions {
  readonly stateDir: string;
  readonly keep?: boolean;
  readonly json?: boolean;
}

/**
 * `firedrill demo`: starts the two-datacenter shop, runs the drills against it, prints the
 * summary and writes the reports. Ctrl-C aborts the drill in progress (its faults reverted) and
 * stops the shop; `--keep` leaves the shop running until Ctrl-C so the user can run the drills.
 */
export async function demoCommand(options: DemoCommandOptions): Promise<number> {
  const bin = resolve(process.argv[1] ?? 'bin/firedrill.js');
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => controller.abort(new Error(`interrupted by ${signal}`));
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  const out = options.json ? process.stderr : process.stdout;
  let result: DemoResult | undefined;
  try {
    result = await runDemo({ stateDir: options.stateDir, examples: join(dirname(bin), '..', 'examples', 'demo'), bin, signal: controller.signal, out });
    const reports = await writeDemoReports(result);
    const { formatSummaryTable } = await import('../report/index.js');
    const matched = result.summary.drills.every((d) => d.verdict === d.expected) && !controller.signal.aborted;
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ ...result.summary, matched, reports })}\n`);
    } else {
      out.write(`\n${formatSummaryTable(result.summary)}\n`);
      for (const skipped of result.summary.skipped) out.write(`skipped ${skipped.drill}: ${skipped.reason}\n`);
      out.write(`\n${matched ? 'every drill showed what it was built to show' : 'some drills did not end as expected: see the reports'} (${formatDuration(result.summary.durationMs)})\n`);
      out.write(`report ${relative(process.cwd(), reports.html)}\n        ${relative(process.cwd(), reports.markdown)}, ${relative(process.cwd(), reports.junit)}\n`);
    }
    if (options.keep && !controller.signal.aborted) await keepShop(result, out, controller.signal);
    return matched ? EXIT.passed : EXIT.finding;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    if (result) {
      await result.shop.stop();
      rmSync(result.scratch, { recursive: true, force: true });
    }
  }
}

/** Leaves the shop running and says how to drill it, until Ctrl-C. */
async function keepShop(result: DemoResult, out: NodeJS.WriteStream, signal: AbortSignal): Promise<void> {
  const { shop } = result;
  out.write(`
The shop keeps running (Ctrl-C stops it and removes everything):
  gateway        ${shop.gatewayUrl}/products
  inventory      ${shop.inventoryFile}
Try a drill against it, from another terminal in this directory:
  npx firedrill run examples/demo/1-a-replica-dies.yaml --inventory ${shop.inventoryFile} --var gateway=${shop.gatewayUrl}
  npx firedrill proxies --inventory ${shop.inventoryFile}
`);
  if (!signal.aborted) await once(signal, 'abort');
}
