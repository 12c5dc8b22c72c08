import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../../support/cli.js';
import { openBrowser, screenshot } from './fixtures.js';

// `firedrill demo --ui --no-wait` as a newcomer runs it: the printed URL and password, the first drill live.
describe('firedrill demo --ui', () => {
  let cwd: string;
  let demo: ChildProcess;
  let out = '';
  let browser: Browser;

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'fd-demo-ui-'));
    browser = await openBrowser();
    demo = spawn(process.execPath, [BIN, 'demo', '--ui', '--no-wait', '--state-dir', join(cwd, 'state')], {
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

  it('prints the URL and a one-time password, and shows the first drill live in the browser; Ctrl-C stops it all', async () => {
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

    demo.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => demo.once('exit', resolve));
    expect(code, out).not.toBeNull();
    expect(out).not.toMatch(/server error|unhandled/i);
  }, 150_000);
});
