import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDemoHtml } from '../../src/report/index.js';
import type { DemoSummary } from '../../src/report/index.js';
import type { StoredRun } from '../../src/runs/run-directory.js';
import { RecordedRuns } from '../report/fixtures.js';

/** Debian's chromium (`apt-get install chromium`); Playwright never downloads a browser here. */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const BIN = fileURLToPath(new URL('../../bin/firedrill.js', import.meta.url));
/** Screenshots are kept here (gitignored) for a person to look at. */
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

interface ChartCheck {
  readonly id: string;
  readonly kind: string;
  /** Non-null points per series. */
  readonly points: number[];
  /** Canvas pixels in the first series' colour, and in the fault shading. */
  readonly seriesPixels: number;
  readonly shadePixels: number;
}

// Runs in the page (a string: this project's TypeScript has no DOM types). Reads each uPlot
// chart's data and samples its canvas (transparent where nothing is drawn): a line in #0969da,
// fault windows in rgba(207, 34, 46, 0.13).
const CHECK_CHARTS = `(() => window.firedrillCharts.map((c) => {
  const u = c.plot, b = u.bbox;
  const img = u.ctx.getImageData(b.left, b.top, b.width, b.height).data;
  const near = (i, rgb, tol) => Math.abs(img[i] - rgb[0]) <= tol && Math.abs(img[i + 1] - rgb[1]) <= tol && Math.abs(img[i + 2] - rgb[2]) <= tol;
  let seriesPixels = 0, shadePixels = 0;
  for (let i = 0; i < img.length; i += 4) {
    if (img[i + 3] > 128 && near(i, [9, 105, 218], 60)) seriesPixels++;
    else if (img[i + 3] >= 25 && img[i + 3] <= 40 && near(i, [207, 34, 46], 12)) shadePixels++;
  }
  return { id: c.id, kind: c.kind, points: u.data.slice(1).map((s) => s.filter((v) => v != null).length), seriesPixels, shadePixels };
}))()`;

const recorded = new RecordedRuns();
let context: BrowserContext | undefined;
let profile: string | undefined;
let runs: StoredRun[] = [];
/** Requests the pages tried to make to anything but their own file: must stay empty. */
const outside: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  runs = [await recorded.record('deviated'), await recorded.record('aborted')];
  profile = mkdtempSync(join(tmpdir(), 'firedrill-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    viewport: { width: 1100, height: 900 },
  });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    outside.push(url);
    return route.abort();
  });
  mkdirSync(ARTIFACTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await recorded.dispose();
});

async function open(file: string, viewport = { width: 1100, height: 900 }): Promise<{ page: Page; errors: string[] }> {
  const page = await (context as BrowserContext).newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())));
  await page.setViewportSize(viewport);
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction('window.firedrillCharts !== undefined');
  return { page, errors };
}

describe('the HTML report in Chromium', () => {
  it('draws availability and latency with data and the fault window, and shows the verdict', async (ctx) => {
    if (!context) return ctx.skip(`${CHROMIUM} is missing: apt-get install chromium`);
    const [run] = runs as [StoredRun];
    // The report as a user gets it: written by the built CLI, with uPlot from the bundle.
    await promisify(execFile)(process.execPath, [BIN, 'report', run.runId, '--state-dir', recorded.stateDir]);
    const { page, errors } = await open(join(run.dir, 'report.html'));
    expect(await page.locator('.verdict .word').first().textContent()).toBe('Deviated');
    await expect(page.locator('.verdict .reason').first().isVisible()).resolves.toBe(true);
    const charts = await page.evaluate<ChartCheck[]>(CHECK_CHARTS);
    expect(charts.map((c) => c.kind)).toEqual(['availability', 'latency']);
    for (const chart of charts) {
      for (const points of chart.points) expect(points).toBeGreaterThan(3);
      expect(chart.seriesPixels).toBeGreaterThan(100);
      expect(chart.shadePixels).toBeGreaterThan(500);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(outside).toEqual([]);
    await page.close();
  });

  it('shows the whole demo: the summary with verdicts, then every run with its charts', async (ctx) => {
    if (!context) return ctx.skip(`${CHROMIUM} is missing: apt-get install chromium`);
    const summary: DemoSummary = {
      startedAt: runs[0]?.journal?.startedAt ?? '',
      durationMs: 5_000,
      skipped: [{ drill: '5. Backups are real', reason: 'no PostgreSQL binaries on this machine' }],
      drills: runs.map((run, i) => ({
        drill: `${i + 1}. ${run.journal?.experiment.title ?? ''}`,
        runId: run.runId,
        verdict: run.journal?.verdict ?? 'failed',
        expected: i === 0 ? 'deviated' : 'aborted',
        reason: run.journal?.reason ?? '',
        availability: 0.62,
        p99Ms: 201,
        journal: join(run.dir, 'journal.json'),
        ...(i === 1 ? { abortLatencyMs: 12 } : {}),
      })),
    };
    const file = join(recorded.stateDir, 'demo-report.html');
    writeFileSync(file, renderDemoHtml(summary, runs));
    const { page, errors } = await open(file);
    expect(await page.locator('h1').first().textContent()).toBe('Firedrill demo');
    expect(await page.locator('.verdict .word').first().textContent()).toBe('Every drill ended as expected');
    expect(await page.locator('tbody tr').first().locator('.badge').allTextContents()).toEqual(['deviated', '✓ yes']);
    expect(await page.locator('section.run .verdict .word').allTextContents()).toEqual(['Deviated', 'Aborted']);
    const charts = await page.evaluate<ChartCheck[]>(CHECK_CHARTS);
    expect(charts).toHaveLength(4);
    for (const chart of charts) expect(Math.min(...chart.points)).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'report-demo.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('fits a phone screen: nothing wider than the page but the tables, which scroll', async (ctx) => {
    if (!context) return ctx.skip(`${CHROMIUM} is missing: apt-get install chromium`);
    const [run] = runs as [StoredRun];
    const { page } = await open(join(run.dir, 'report.html'), { width: 390, height: 844 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    const widths = await page.evaluate<ChartCheck[]>(CHECK_CHARTS);
    expect(widths).toHaveLength(2);
    await page.screenshot({ path: join(ARTIFACTS, 'report-phone.png'), fullPage: true });
    await page.close();
  });
});
