import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processState } from '../../../src/targets/proc.js';
import { eventually } from '../../probes/fixtures.js';
import { call, pauseExperiment, testServer, userWithToken } from '../../server/fixtures.js';
import { loggedIn, openBrowser, screenshot } from './fixtures.js';
import type { TestServer, Watched } from './fixtures.js';

/** The scheduler's clock, moved by the test. */
const clock = { at: Date.parse('2026-12-07T08:00:00Z'), now: () => clock.at };

const drills = (zone: string) =>
  [
    'drills:',
    '  - name: worker-freeze',
    '    title: The worker freezes',
    '    team: shop',
    '    announcement: unannounced',
    '    experiment: pause-worker',
    `    schedule: { cron: "0 10 * * *", timezone: ${zone} }`,
  ].join('\n');

// The drills page of a real control plane (agent, paused process), its scheduler on the test's clock.
describe('the drills page', () => {
  let server: TestServer;
  let browser: Browser;
  let sleeper: ChildProcess;
  let facilitator: Watched;
  let responder: Watched;

  beforeAll(async () => {
    server = await testServer(undefined, { agent: true, drills: { clock, off: true } });
    browser = await openBrowser();
    sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    const api = await userWithToken(server, 'fac-api', ['facilitator']);
    const made = await call(server.url, 'POST', '/api/v1/experiments', api, {
      name: 'pause-worker',
      yaml: pauseExperiment(sleeper.pid ?? 0, '6s', 'Pause the worker'),
    });
    expect(made.status).toBe(201);
    facilitator = await loggedIn(browser, server, 'fac', ['facilitator']);
    facilitator.page.setDefaultTimeout(10_000);
    responder = await loggedIn(browser, server, 'resp', ['responder']);
  }, 60_000);

  afterAll(async () => {
    sleeper?.kill('SIGKILL');
    await browser?.close();
    await server?.stop();
  });

  const status = (page: Page) => page.getByRole('status').and(page.locator('#drills-validation'));

  it('lets the white cell write drills with problems shown at their line, apply them, and watch a launch; a responder sees it only once revealed', async () => {
    const { page } = facilitator;
    await page.goto(`${server.url}/drills`);
    await page.getByRole('textbox', { name: 'Drills YAML' }).click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(drills('Europe/Pariss'));
    await expect.poll(() => status(page).textContent()).toMatch(/line 7, col \d+: .*unknown time zone "Europe\/Pariss"/);
    expect(await page.getByRole('button', { name: 'Apply' }).isDisabled()).toBe(true);
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(drills('Europe/Paris'));
    await expect.poll(() => status(page).textContent()).toMatch(/Valid: “1 drill\(s\)”/);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('created worker-freeze').waitFor();
    await page.getByRole('cell', { name: /The worker freezes/ }).waitFor();

    // Due at 10:00 Paris: planned, then launched; the page shows it coming, then done.
    clock.at = Date.parse('2026-12-07T08:00:00Z');
    await server.drills.scheduler.tick();
    await page.getByText('Coming (white cell only)').waitFor();
    await page.locator('ol.launches li[data-state="planned"]', { hasText: 'The worker freezes' }).waitFor();
    clock.at = Date.parse('2026-12-07T09:00:01Z');
    await server.drills.scheduler.tick();
    await eventually(() => expect(processState(sleeper.pid ?? 0)).toBe('T'), 10_000);

    // While it runs (a 6 s pause), a responder's page knows nothing of it.
    await responder.page.goto(`${server.url}/drills`);
    await responder.page.getByRole('heading', { name: 'Past 14 days' }).waitFor();
    await responder.page.waitForLoadState('networkidle');
    expect(await responder.page.locator('body').textContent()).not.toContain('The worker freezes');

    // Ended: revealed, with its verdict and its run, to everyone.
    await page.locator('ol.launches li', { hasText: 'The worker freezes' }).getByText('passed').waitFor({ timeout: 20_000 });
    expect(processState(sleeper.pid ?? 0)).not.toBe('T');
    await screenshot(page, 'drills');
    await responder.page.reload();
    await responder.page.locator('ol.launches li', { hasText: 'The worker freezes' }).getByText('passed').waitFor();
    expect(responder.responses.filter((r) => r.url.includes('/api/v1/drills/file'))).toEqual([]);
    expect([...facilitator.errors, ...responder.errors].filter((e) => !/status of 400/.test(e))).toEqual([]);
    await responder.context.close();
  }, 60_000);

  it('answers a lead asking "is this a drill?" from the page, and takes incidents', async () => {
    const lead = await loggedIn(browser, server, 'lee', ['lead']);
    const { page } = lead;
    await page.goto(`${server.url}/drills`);
    const [launch] = (
      (
        await call(
          server.url,
          'GET',
          `/api/v1/drills/calendar?since=${Date.parse('2026-12-01T00:00:00Z')}&until=${Date.parse('2026-12-31T00:00:00Z')}`,
          await userWithToken(server, 'w', ['facilitator']),
        )
      ).body.launches as { runId: string }[]
    ).filter((l) => l.runId);
    await page.getByLabel('Correlation id').fill(launch?.runId ?? '');
    await page.getByRole('button', { name: 'Ask' }).click();
    expect(await page.locator('.answer').textContent()).toMatch(/^Yes: a drill of team shop\. Call .+ before acting\.$/);
    await page.getByLabel('What is happening').fill('checkout errors');
    await page.getByRole('button', { name: 'Declare an incident' }).click();
    await page.getByText('checkout errors').waitFor();
    expect((await call(server.url, 'GET', '/api/v1/incidents', await userWithToken(server, 'x', ['viewer']))).body.incidents).toMatchObject(
      [{ title: 'checkout errors', openedBy: 'lee' }],
    );
    await lead.context.close();
  }, 30_000);
});
