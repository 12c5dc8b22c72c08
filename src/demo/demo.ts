import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import pc from 'picocolors';
import { errorMessage } from '../errors.js';
import { prepareExperiment } from '../runs/prepare.js';
import { executeRun } from '../runs/execute-run.js';
import type { Executed } from '../runs/execute-run.js';
import type { Prepared } from '../runs/prepare.js';
import type { RunObserver } from '../engine/events.js';
import { ProgressObserver } from '../report/terminal-progress.js';
import { readRun } from '../runs/run-directory.js';
import type { StoredRun } from '../runs/run-directory.js';
import type { DemoSummary, DrillSummary } from '../report/summary.js';
import { newSeed } from '../util/random.js';
import { planDrills } from './drills.js';
import { claimDirectory, removeDemoLeftovers } from './leftovers.js';
import type { Drill } from './drills.js';
import { summarizeDrill } from './summarize.js';
import type { Shop } from './shop/shop.js';

export interface DemoOptions {
  readonly stateDir: string;
  /** Where the drills' experiment files are (examples/demo of the package). */
  readonly examples: string;
  /** The firedrill executable the shop's services are started with. */
  readonly bin: string;
  readonly signal: AbortSignal;
  readonly out: NodeJS.WriteStream;
  /** Executes one prepared drill; by default here, as `firedrill run` does (`--ui`: through the dashboard's server). */
  readonly execute?: DrillExecutor;
}

/** Runs a prepared drill to its end; `progress` prints it on the terminal. */
export type DrillExecutor = (
  prepared: Prepared,
  run: { readonly file: string; readonly vars: Readonly<Record<string, string>>; readonly progress: RunObserver & { close(): void } },
) => Promise<Executed>;

export interface DemoResult {
  readonly summary: DemoSummary;
  readonly runs: readonly StoredRun[];
  /** Directory of the demo's own reports. */
  readonly reportDir: string;
  readonly shop: Shop;
  readonly scratch: string;
}

/**
 * The demo: start the shop, keep steady traffic on it, run each drill through the same path as
 * `firedrill run`, and summarise what each one showed. The caller writes the reports and stops
 * the shop (unless it keeps it for the user).
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const c = pc.createColors(Boolean(options.out.isTTY) && !('NO_COLOR' in process.env));
  const say = (line: string) => options.out.write(`${line}\n`);
  say(c.bold('Firedrill demo: a redundant shop in two datacenters, and six drills against it'));
  for (const line of await removeDemoLeftovers()) say(c.dim(`  removed what an earlier demo left behind: ${line}`));
  const scratch = mkdtempSync(join(tmpdir(), 'firedrill-demo-'));
  claimDirectory(scratch);
  const { startShop } = await import('./shop/shop.js');
  let shop: Shop;
  try {
    shop = await startShop({ dir: scratch, stateDir: options.stateDir, bin: options.bin, log: (line) => say(c.dim(`  ${line}`)) });
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
  if (!shop.postgres) say(c.yellow('  no PostgreSQL server binaries on this machine: the drills that need a database are skipped'));
  shop.load.start();
  shop.singleDcLoad.start();
  const drills: DrillSummary[] = [];
  const skipped: { drill: string; reason: string }[] = [];
  const runs: StoredRun[] = [];
  try {
    for (const drill of planDrills(options.examples, shop, scratch)) {
      if (options.signal.aborted) break;
      if (drill.needsDatabase && !shop.postgres) {
        skipped.push({ drill: drill.name, reason: 'no PostgreSQL server binaries on this machine' });
        continue;
      }
      if (drill.file.endsWith('4-a-corrupted-backup.yaml')) await damageBackup(drill, scratch);
      say('');
      const result = await runDrill(drill, shop, options);
      drills.push(result.summary);
      runs.push(result.run);
    }
  } catch (error) {
    // The caller only stops a shop it was handed: stop this one before reporting the failure.
    await shop.stop();
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  } finally {
    shop.load.stop();
    shop.singleDcLoad.stop();
  }
  const summary: DemoSummary = { startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, drills, skipped };
  const reportDir = join(options.stateDir, 'demo', summary.startedAt.replace(/[:.]/g, '-'));
  mkdirSync(reportDir, { recursive: true });
  return { summary, runs, reportDir, shop, scratch };
}

async function runDrill(drill: Drill, shop: Shop, options: DemoOptions): Promise<{ summary: DrillSummary; run: StoredRun }> {
  const prepared = await prepareExperiment(drill.file, {
    var: Object.entries(drill.vars).map(([k, v]) => `${k}=${v}`),
    varFile: [],
    inventory: shop.inventoryFile,
  });
  const from = Date.now();
  const file = relative(process.cwd(), drill.file) || drill.file;
  const progress = new ProgressObserver(options.out);
  const executed = options.execute
    ? await options.execute(prepared, { file, vars: drill.vars, progress })
    : await executeRun(prepared, {
        file,
        stateDir: options.stateDir,
        seed: newSeed(),
        dryRun: false,
        leaseTtlMs: 5000,
        progress,
        signal: options.signal,
      });
  const load = drill.traffic === 'single-dc' ? shop.singleDcLoad : shop.load;
  const to = Date.now();
  await load.settle(to); // the drill's slowest requests are still being answered
  const traffic = load.stats(from, to);
  return {
    summary: summarizeDrill(drill, executed.journal, executed.journalPath, traffic),
    run: readRun(options.stateDir, executed.runId),
  };
}

/** Drill 4 restores a damaged copy of the dump drill 3 kept. */
async function damageBackup(drill: Drill, scratch: string): Promise<void> {
  const { corruptDump } = await import('../postgres/corrupt.js');
  const damaged = drill.vars.dump;
  if (!damaged) return;
  try {
    await corruptDump(join(scratch, 'backup.dump'), damaged);
  } catch (error) {
    throw new Error(`could not prepare the corrupted backup for drill 4: ${errorMessage(error)}`, { cause: error });
  }
}

/**
 * Writes the demo's summary, report pages and JUnit file, and each drill's own report.html,
 * report.md and junit.xml in its run directory; returns the demo's paths.
 */
export async function writeDemoReports(result: DemoResult): Promise<{ html: string; markdown: string; junit: string }> {
  const { renderDemoHtml, renderDemoMarkdown, renderHtml, renderJunit, renderMarkdown } = await import('../report/index.js');
  for (const run of result.runs) {
    writeFileSync(join(run.dir, 'report.html'), renderHtml(run));
    writeFileSync(join(run.dir, 'report.md'), renderMarkdown(run));
    writeFileSync(join(run.dir, 'junit.xml'), renderJunit([run]));
  }
  const paths = {
    html: join(result.reportDir, 'report.html'),
    markdown: join(result.reportDir, 'report.md'),
    junit: join(result.reportDir, 'junit.xml'),
  };
  writeFileSync(paths.html, renderDemoHtml(result.summary, result.runs));
  writeFileSync(paths.markdown, renderDemoMarkdown(result.summary));
  writeFileSync(paths.junit, renderJunit(result.runs, 'firedrill demo'));
  writeFileSync(join(result.reportDir, 'summary.json'), `${JSON.stringify(result.summary, null, 2)}\n`);
  return paths;
}
