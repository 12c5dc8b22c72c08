import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../../support/cli.js';
import { openBrowser, screenshot } from './fixtures.js';

// `firedrill demo --ui` as a newcomer runs it (stdin closed: no Enter to wait for): the printed URL and password, the
// first drill live, then drills as routine in the calendar.
describe('firedrill demo --ui', () => {
  let cwd: string;
  let demo: ChildProcess;
  let out = '';
  let browser: Browser;

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'fd-demo-ui-'));
    browser = await openBrowser();
    demo = spawn(process.execPath, [BIN, 'demo', '--ui', '--state-dir', join(cwd, 'state')], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    demo.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  }, 60_000);

  afterAll(async () => {
    if (demo.exitCode === null) {
      demo.kill('SIGINT');
      await new Promise((resolve) => demo.once('exit', resolve));
    }
    await browser?.close();
    rmSync(cwd, { recursive: true, force: true });
  }, 60_000);

  it('prints the URL and a one-time password, shows the first drill live, then the monkey drill planned, launched and passed in the calendar; Ctrl-C stops it all', async () => {
    const deadline = Date.now() + 60_000;
    while (!/one-time password \S+/.test(out)) {
      if (demo.exitCode !== null || Date.now() > deadline) throw new Error(`the demo printed no URL and password:\n${out}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const url = /Watch the drills live: (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? '';
    const password = /one-time password (\S+)/.exec(out)?.[1] ?? '';
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    await page.getByLabel('Name').fill('admin');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: '1. A replica dies' }).click({ timeout: 60_000 });
    await page.locator('.fault', { hasText: 'process-kill' }).waitFor({ timeout: 30_000 });
    await page.waitForFunction('(window.firedrillLiveCharts?.availability?.data[0]?.length ?? 0) > 3');
    expect(await page.locator('.timeline').textContent()).toMatch(/fault process-kill injected on pid \d+/);
    await screenshot(page, 'demo-live');
    // The terminal shows the same drill as it goes.
    expect(out).toContain('1. A replica dies');

    // After the six drills, drills as routine: the white cell sees the monkey coming in a short
    // window, then launched (unannounced), and its verdict once it is revealed.
    const deadline2 = Date.now() + 240_000;
    while (!out.includes('Drills as routine:')) {
      if (demo.exitCode !== null || Date.now() > deadline2) throw new Error(`the demo scheduled no drill:\n${out}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await page.goto(`${url}/drills`);
    const monkey = page.locator('ol.launches li', { hasText: 'A catalog replica is switched off' });
    await page.locator('ol.launches li[data-state="planned"]', { hasText: 'A catalog replica is switched off' }).waitFor();
    await screenshot(page, 'demo-drills-planned');
    // The window opens at the next minute and lasts two: the launch is 1–3 minutes away.
    await monkey.locator('.badge').first().waitFor({ timeout: 240_000 });
    expect(await monkey.locator('.badge').first().textContent()).toMatch(/passed/);
    await screenshot(page, 'demo-drills-ended');

    demo.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => demo.once('exit', resolve));
    expect(code, out).not.toBeNull();
    expect(out).not.toMatch(/server error|unhandled/i);
  }, 600_000);
});
