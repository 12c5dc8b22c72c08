import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { GameDayDemoResult } from '../../src/demo/gameday/play.js';
import { findMonitoring } from '../../src/demo/monitoring.js';

const BIN = fileURLToPath(new URL('../../bin/firedrill.js', import.meta.url));
const run = promisify(execFile);

interface Played {
  readonly result: GameDayDemoResult;
  readonly exitCode: number;
  readonly stderr: string;
}

/** `firedrill demo --gameday --json` in a directory of its own; PATH as given (to hide Prometheus). */
async function playDemo(cwd: string, path = process.env.PATH ?? ''): Promise<Played> {
  try {
    const done = await run(process.execPath, [BIN, 'demo', '--gameday', '--json', '--state-dir', join(cwd, 'state')], {
      cwd,
      encoding: 'utf8',
      timeout: 280_000,
      maxBuffer: 64 << 20,
      env: { ...process.env, PATH: path },
    });
    return { result: JSON.parse(done.stdout) as GameDayDemoResult, exitCode: 0, stderr: done.stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    if (!failed.stdout) throw new Error(`the demo printed no result (exit ${failed.code}):\n${failed.stderr}`, { cause: error });
    return { result: JSON.parse(failed.stdout) as GameDayDemoResult, exitCode: failed.code, stderr: failed.stderr };
  }
}

/** Live processes whose command line names the demo's shop `id`. */
function shopProcesses(id: string): string[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return cmdline.includes(id) ? [`${pid}: ${cmdline}`] : [];
      } catch {
        return [];
      }
    });
}

/** What every played demo must show: both steps injected, fought and measured; every fault reverted; nothing left behind. */
function expectPlayed({ result, exitCode, stderr }: Played, detectedBy: RegExp): void {
  const why = `${stderr}\n${JSON.stringify(result, null, 2)}`;
  expect(
    result.steps.map((s) => s.step),
    why,
  ).toEqual(['crawl', 'replica-dies']);
  for (const step of result.steps) {
    expect(step.verdict, why).toBe('passed');
    expect(
      step.expectations.map((e) => [e.name, e.status]),
      why,
    ).toEqual(
      step.step === 'crawl'
        ? [
            [expect.any(String), 'met'],
            ['owned', 'met'],
            ['contained', 'met'],
          ]
        : [
            [expect.any(String), 'met'],
            ['contained', 'met'],
          ],
    );
    const team = step.teams[0];
    expect(team?.team).toBe('shop');
    expect(team?.timings.detect.by, why).toMatch(detectedBy);
    for (const phase of ['detect', 'acknowledge', 'contain'] as const)
      expect(team?.timings[phase].ms ?? -1, `${step.step} ${phase}: ${why}`).toBeGreaterThan(0);
    expect(team?.diagnosis?.correct, why).toBe(true);
  }
  // The crawl hurt users (orders took seconds) and they recovered, measured by the hypothesis's probes.
  const crawl = result.steps[0];
  expect(crawl?.brokenMs, why).toBeGreaterThan(0);
  expect(crawl?.teams[0]?.timings.recover).toMatchObject({ by: 'hypothesis probes' });
  expect(crawl?.teams[0]?.timings.recover.ms).toBeGreaterThan(crawl?.brokenMs ?? Infinity);
  // Both faults were injected and verified reverted.
  expect(result.faults.map((f) => [f.step, f.type, f.status])).toEqual([
    ['crawl', 'proxy-latency', 'reverted'],
    ['crawl', 'proxy-latency', 'reverted'],
    ['replica-dies', 'process-kill', 'reverted'],
  ]);
  expect(result.faults.every((f) => f.verifiedAt !== undefined)).toBe(true);
  expect(result.verdict, why).toBe('passed');
  expect(exitCode).toBe(0);
  const review = readFileSync(result.reports.markdown, 'utf8');
  expect(review).toMatch(/^# Review: The database link crawls, then a catalog replica dies/);
  expect(review).toMatch(/\| shop \| \S+ \([^)]+; target 30s: met\) \|/);
  expect(readFileSync(result.reports.html, 'utf8')).toContain('<h2>Timeline</h2>');
  expect(shopProcesses(result.shop.id)).toEqual([]);
  expect(existsSync(result.shop.dir)).toBe(false);
}

// The game-day demo, as a user runs it: the shop, a control plane, a villains' scenario and the
// scripted responder team; with Debian's Prometheus and Alertmanager, then without them.
describe('firedrill demo --gameday', () => {
  const dirs: string[] = [];
  const dir = () => {
    const made = mkdtempSync(join(tmpdir(), 'fd-demo-gameday-'));
    dirs.push(made);
    return made;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('with Prometheus and Alertmanager: each step detected by a real alert, fought, measured and reviewed', async () => {
    if (!findMonitoring())
      throw new Error('prometheus and prometheus-alertmanager are not installed (apt-get install prometheus prometheus-alertmanager)');
    const played = await playDemo(dir());
    expect(played.result.monitoring).toBe('prometheus');
    expectPlayed(played, /^alert (ShopSlow|ShopErrors|CatalogReplicaDown)$/);
    expect(played.result.steps[1]?.teams[0]?.timings.detect.by).toBe('alert CatalogReplicaDown');
  }, 290_000);

  it("without them: says so, and the expectations and the responders read the gateway's log", async () => {
    // A PATH with node alone: no prometheus to find (PostgreSQL is found in its Debian directory).
    const cwd = dir();
    const bin = join(cwd, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const played = await playDemo(cwd, bin);
    expect(played.result.monitoring).toBe('log');
    expect(played.stderr).toContain('Prometheus and Alertmanager are not installed');
    expectPlayed(played, /^declared by (ada|ben)$/);
    expect(played.result.steps.map((s) => s.expectations[0]?.detail)).toEqual([
      expect.stringMatching(/gateway: orders: slow answer/),
      expect.stringMatching(/gateway: catalog catalog-\S+ unhealthy/),
    ]);
  }, 290_000);
});
