import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoSummary, DrillSummary } from '../../src/report/summary.js';

const BIN = fileURLToPath(new URL('../../bin/firedrill.js', import.meta.url));
const run = promisify(execFile);

interface DemoOutput extends DemoSummary {
  readonly matched: boolean;
  readonly reports: { readonly html: string; readonly markdown: string; readonly junit: string };
  readonly shop: { readonly id: string; readonly dir: string; readonly logs?: string };
}

/** The end of each log the demo kept (it keeps the shop's logs when a drill did not end as built to). */
function shopLogTails(output: DemoOutput): string {
  const dir = output.shop.logs;
  if (!dir) return 'the demo kept no shop logs';
  return readdirSync(dir)
    .map((name) => `== ${name}\n${readFileSync(join(dir, name), 'utf8').split('\n').slice(-40).join('\n')}`)
    .join('\n');
}

/** Command lines of live processes that belong to the demo `id`: its services (`--demo id`) and its PostgreSQL servers (in `firedrill-pg-id-*`). */
function demoProcesses(id: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue; // gone meanwhile
    }
    if (cmdline.includes(id)) found.push(`${pid}: ${cmdline}`);
  }
  return found;
}

describe('firedrill demo', () => {
  let cwd: string;
  let stateDir: string;
  let output: DemoOutput;
  let exitCode: number;
  let stderr: string;

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'fd-demo-test-'));
    stateDir = join(cwd, 'state');
    try {
      // Through a symlink in a .bin directory, as `npx firedrill demo` starts it.
      const link = join(cwd, 'node_modules', '.bin', 'firedrill');
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(BIN, link);
      const done = await run(process.execPath, [link, 'demo', '--json', '--state-dir', stateDir], {
        cwd,
        encoding: 'utf8',
        timeout: 170_000,
        maxBuffer: 64 << 20,
      });
      ({ stderr } = done);
      output = JSON.parse(done.stdout) as DemoOutput;
      exitCode = 0;
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      stderr = failed.stderr;
      exitCode = failed.code;
      if (!failed.stdout) throw new Error(`the demo printed no summary (exit ${failed.code}):\n${failed.stderr}`, { cause: error });
      output = JSON.parse(failed.stdout) as DemoOutput;
    }
  }, 180_000);

  afterAll(() => {
    rmSync(cwd, { recursive: true, force: true });
  });

  const drill = (prefix: string): DrillSummary => {
    const found = output.drills.find((d) => d.drill.startsWith(prefix));
    if (!found) throw new Error(`no drill ${prefix} in ${JSON.stringify(output.drills.map((d) => d.drill))}\n${stderr}`);
    return found;
  };

  /** The output of one probe step of a drill, from its journal. */
  const probeOutput = (summary: DrillSummary, step: string): unknown => {
    const journal = JSON.parse(readFileSync(summary.journal.replace(/^(?!\/)/, `${cwd}/`), 'utf8')) as {
      activities: { activity: { name: string }; output?: { output?: unknown } }[];
    };
    return journal.activities.find((a) => a.activity.name === step)?.output?.output;
  };

  it('ends every drill as it was built to, and exits 0', () => {
    expect(
      output.drills.map((d) => [d.drill, d.verdict]),
      `${output.drills.map((d) => `${d.drill}: ${d.reason}`).join('\n')}\n${shopLogTails(output)}`,
    ).toEqual([
      ['1. A replica dies', 'passed'],
      ['2. The database link crawls', 'aborted'],
      ['3. Backups are real', 'passed'],
      ['4. A corrupted backup is caught', 'deviated'],
      ['5. No redundancy', 'deviated'],
      ['6. Datacenter A burns', 'passed'],
    ]);
    expect(output.skipped).toEqual([]);
    expect(output.matched).toBe(true);
    expect(exitCode).toBe(0);
  });

  it('keeps reads available when a replica dies and when datacenter A burns, and loses no order', () => {
    expect(drill('1.').availability).toBeGreaterThanOrEqual(0.999);
    const burn = drill('6.');
    expect(burn.availability).toBeGreaterThanOrEqual(0.999);
    expect(burn.rtoSeconds).toBeGreaterThan(0);
    expect(burn.rtoSeconds).toBeLessThanOrEqual(10);
    // On a loss, the audit says which orders, when they were sent and who acknowledged them.
    expect(burn.ordersLost, JSON.stringify(probeOutput(burn, 'nothing-lost'))).toBe(0);
    // Orders acknowledged while the audit ran are counted apart, for a later audit to check.
    expect((probeOutput(burn, 'nothing-lost') as { json?: object } | undefined)?.json).toHaveProperty('ackedDuringAudit');
  });

  it('aborts the crawling database link on its guardrail and measures the abort latency', () => {
    const crawl = drill('2.');
    expect(crawl.reason).toMatch(/guardrail slow-orders tripped/);
    expect(crawl.abortLatencyMs).toBeGreaterThanOrEqual(0);
  });

  it('shows customers affected when the shop has no second datacenter', () => {
    const single = drill('5.');
    // Which probe broke, when, and for how long customers were affected.
    expect(single.reason).toMatch(
      /reads not met in \d+ of \d+ checks .*users affected for \d+\.\d s from [\d:.]+ UTC: \d+ of \d+ samples failed/,
    );
    expect(single.availability).toBeLessThan(0.999);
    expect(single.downtimeSeconds).toBeGreaterThan(0);
  });

  it('says what differs in the corrupted backup', () => {
    const restore = probeOutput(drill('4.'), 'restore') as { ok: boolean; differences: string[] } | undefined;
    expect(restore?.ok).toBe(false);
    expect(restore?.differences.length).toBeGreaterThan(0);
  });

  it('writes an HTML page, Markdown and JUnit with one test case per drill', () => {
    const html = readFileSync(output.reports.html, 'utf8');
    expect(html).toContain('Every drill ended as expected');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
    expect(readFileSync(output.reports.markdown, 'utf8')).toContain('6. Datacenter A burns');
    const junit = readFileSync(output.reports.junit, 'utf8');
    expect(junit.match(/<testcase /g)).toHaveLength(6);
    for (const run of output.drills) {
      for (const file of ['journal.json', 'report.html', 'report.md', 'junit.xml'])
        expect(existsSync(join(stateDir, 'runs', run.runId, file)), `${run.runId}/${file}`).toBe(true);
    }
  });

  it('leaves no process, temporary cluster, proxy or open fault behind', async () => {
    expect(output.shop.id).toMatch(/^fd[0-9a-f]{8}$/);
    expect(demoProcesses(output.shop.id)).toEqual([]);
    expect(existsSync(output.shop.dir)).toBe(false);
    expect(readdirSync(tmpdir()).filter((name) => name.includes(output.shop.id))).toEqual([]);
    // No agent left running (the demo stopped the one it started, with its proxies), and no
    // fault open in its ledger.
    const status = JSON.parse(
      (await run(process.execPath, [BIN, 'status', '--json', '--state-dir', stateDir], { encoding: 'utf8' })).stdout,
    ) as { localAgentRunning: boolean; openLedgerRecords: string[] };
    expect(status.localAgentRunning).toBe(false);
    expect(status.openLedgerRecords).toEqual([]);
  });
});
