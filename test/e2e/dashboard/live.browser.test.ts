import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, ledgerFile } from '../../../src/agent-daemon/ledger.js';
import { processState } from '../../../src/targets/proc.js';
import { eventually } from '../../probes/fixtures.js';
import { call, testServer, userWithToken } from '../../server/fixtures.js';
import { loggedIn, openBrowser, screenshot } from './fixtures.js';
import type { TestServer, Watched } from './fixtures.js';

/** Pauses `pid` for a minute while an availability probe samples a web server that keeps answering. */
function liveExperiment(pid: number, url: string): string {
  return `title: Pause the worker for a minute
tags: [dashboard]
targets:
  worker: { kind: process, selector: { pid: ${pid} } }
hypothesis:
  interval: 500ms
  probes:
    - name: site
      probe: availability
      params: { url: "${url}", interval: 50ms, window: 1s }
      tolerance: { overallSuccessRate: { gte: 0.9 } }
method:
  - { name: pause, fault: process-pause, target: worker, duration: 60s }
`;
}

// A real control plane, a real agent, a real paused process, two real browsers.
describe('the dashboard, live: a run watched, then halted from the browser', () => {
  let server: TestServer;
  let browser: Browser;
  let sleeper: ChildProcess;
  let site: Server;
  let url: string;
  let starter: string;
  let facilitator: Watched;
  let responder: Watched;

  beforeAll(async () => {
    server = await testServer(undefined, { agent: true });
    browser = await openBrowser();
    sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    site = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
    starter = await userWithToken(server, 'ci', ['facilitator']);
    facilitator = await loggedIn(browser, server, 'fac', ['facilitator']);
    responder = await loggedIn(browser, server, 'resp', ['responder']);
  }, 60_000);

  afterAll(async () => {
    sleeper?.kill('SIGKILL');
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
    await server?.stop();
  });

  it('shows the run live, halts it with one button, tells every page, and reverts the fault for real', async () => {
    const pid = sleeper.pid ?? 0;
    const started = await call(server.url, 'POST', '/api/v1/runs', starter, { yaml: liveExperiment(pid, url) });
    expect(started.status).toBe(201);
    const runId = (started.body.run as { id: string }).id;

    // The list shows it running; a click opens the live view.
    const page = facilitator.page;
    await page.goto(`${server.url}/runs`);
    await page.getByRole('link', { name: 'Pause the worker for a minute' }).click();
    await page.waitForURL(`**/runs/${runId}`);
    await page.locator('.step[data-state="running"]', { hasText: 'pause' }).waitFor();
    const fault = page.locator('.fault.active');
    await fault.waitFor();
    expect(await fault.textContent()).toMatch(/process-pause on pid \d+ \(sleep\)/);
    await eventually(async () => expect(await fault.textContent()).toMatch(/lease \d+ s left/), 10_000);
    expect(processState(pid)).toBe('T');
    // The chart draws: readings arrive and the fault window is shaded.
    await page.waitForFunction('(window.firedrillLiveCharts?.availability?.data[0]?.length ?? 0) > 5');
    expect(await page.locator('.timeline').textContent()).toMatch(/fault process-pause injected on pid \d+/);
    await screenshot(page, 'live-view');
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.context().addCookies(await facilitator.context.cookies());
    await phone.goto(`${server.url}/runs/${runId}`);
    await phone.locator('.fault.active').waitFor();
    expect(await phone.getByRole('button', { name: 'Halt' }).isVisible()).toBe(true);
    await screenshot(phone, 'live-view-phone');
    await phone.close();

    // The responder watches the runs list in another browser: no Halt button for them.
    await responder.page.goto(`${server.url}/runs`);
    await responder.page.getByRole('link', { name: 'Pause the worker for a minute' }).waitFor();
    expect(await responder.page.getByRole('button', { name: 'Halt' }).count()).toBe(0);

    // One button, one confirmation with a reason.
    await page.getByRole('button', { name: 'Halt' }).click();
    const dialog = page.getByRole('dialog', { name: 'Halt everything?' });
    await dialog.getByLabel('Reason').fill('customers see errors');
    await dialog.getByRole('button', { name: 'Halt everything' }).click();

    // Every connected page says so; the process runs again and the agent's ledger holds nothing open.
    for (const watched of [facilitator, responder]) {
      const banner = watched.page.getByTestId('halt-banner');
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(/Firedrill is halted by fac since .*: customers see errors/);
    }
    await eventually(() => expect(processState(pid)).not.toBe('T'), 5000);
    const ledger = new Ledger(ledgerFile(server.dir));
    try {
      expect(ledger.open()).toEqual([]);
    } finally {
      ledger.close();
    }
    expect(await responder.page.getByRole('button', { name: 'Resume' }).count()).toBe(0);
    await screenshot(responder.page, 'halted-banner');

    // The run ends aborted, in the live view, with its report and downloads.
    await page.getByTestId('verdict').waitFor();
    expect(await page.getByTestId('verdict').textContent()).toMatch(/^aborted: .*halted by fac: customers see errors/);
    expect(await page.locator('.fault').first().textContent()).toContain('reverted, verified');
    // The full report, as report.html, inside the page (sandboxed): its verdict and its charts drawn.
    const report = page.frameLocator('iframe[title="Full report"]');
    await report.locator('.verdict .word').first().waitFor();
    expect(await report.locator('.verdict .word').first().textContent()).toBe('Aborted');
    const download = await page.request.get(`${server.url}/api/v1/runs/${runId}/report/md?download=1`);
    expect(await download.text()).toContain('Pause the worker for a minute');
    await screenshot(page, 'run-ended');

    // The halt is in the audit log; Resume clears the banner everywhere.
    const audit = (await call(server.url, 'GET', '/api/v1/audit?action=halt', await userWithToken(server, 'auditor', ['admin']))).body;
    expect(JSON.stringify(audit)).toContain('"actor":"fac"');
    await page.getByRole('button', { name: 'Resume' }).click();
    for (const watched of [facilitator, responder]) await watched.page.getByTestId('halt-banner').waitFor({ state: 'detached' });
    expect(facilitator.errors).toEqual([]);
    expect(responder.errors).toEqual([]);
    expect([...facilitator.outside, ...responder.outside]).toEqual([]);
  }, 90_000);
});
