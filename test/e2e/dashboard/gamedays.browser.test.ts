import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, testServer, userWithToken } from '../../server/fixtures.js';
import { loggedIn, openBrowser, screenshot } from './fixtures.js';
import type { TestServer, Watched } from './fixtures.js';

const QUICK = 'title: a quick step\nmethod:\n  - { name: w, wait: 100ms }\n';
/** The scenario, which a responder's page must not say before the reveal: its title, name, steps and experiments. */
const SECRETS = ['The cache vanishes at noon', 'noon-cache', 'vanish-cache', 'slow-disk', 'villain-plan-cache', 'villain-plan-disk'];

/** Two steps the facilitator injects by hand: injecting the first leaves the day running (the second waits). */
const gameDay = (extra = '') =>
  [
    'name: noon-cache',
    'title: The cache vanishes at noon',
    'publicTitle: Friday game day',
    'villains: [vera]',
    'teams:',
    '  shop: [rita]',
    'observers: [olga]',
    ...(extra ? [extra] : []),
    'scenario:',
    '  - { name: vanish-cache, experiment: villain-plan-cache, trigger: { manual: true }, cause: { service: cache, fault: process-kill } }',
    '  - { name: slow-disk, experiment: villain-plan-disk, trigger: { manual: true } }',
    '',
  ].join('\n');

interface Day {
  state: string;
  declarations: { team: string; declare: string; by: string; cause: unknown }[];
  findings: unknown[];
  commands: { command: string; step: string | null; by: string }[];
}

// The game-day pages on a real control plane: the white cell applies and runs a game day from the
// page, a responder fights it from the console knowing nothing of the scenario, an observer watches.
describe('the game-day pages', () => {
  let server: TestServer;
  let browser: Browser;
  let facilitator: Watched;
  let responder: Watched;
  let whiteCellToken = '';
  let id = '';

  beforeAll(async () => {
    server = await testServer();
    browser = await openBrowser();
    whiteCellToken = await userWithToken(server, 'fac-api', ['facilitator']);
    const villain = await userWithToken(server, 'vera', ['villain']);
    for (const name of ['villain-plan-cache', 'villain-plan-disk'])
      expect((await call(server.url, 'POST', '/api/v1/experiments', villain, { name, yaml: QUICK, secret: true })).status).toBe(201);
    facilitator = await loggedIn(browser, server, 'fay', ['facilitator']);
    facilitator.page.setDefaultTimeout(10_000);
    responder = await loggedIn(browser, server, 'rita', ['responder']);
    responder.page.setDefaultTimeout(10_000);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const day = async (): Promise<Day> => (await call(server.url, 'GET', `/api/v1/gamedays/${id}`, whiteCellToken)).body.gameday as Day;
  const text = async (page: Page) => (await page.locator('body').textContent()) ?? '';

  it('lets the white cell apply a game-day file from the page (its problems at their line) and launch it', async () => {
    const { page } = facilitator;
    await page.goto(`${server.url}/gamedays`);
    await page.getByRole('heading', { name: 'Game days', level: 1 }).waitFor();
    await page.getByRole('textbox', { name: 'Game day YAML' }).click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(gameDay('maxDuration: soon'));
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.locator('#gameday-problems').textContent()).toMatch(/line 8, col \d+: maxDuration/);
    await page.getByRole('textbox', { name: 'Game day YAML' }).click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(gameDay());
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('status').getByText('Created noon-cache').waitFor();
    await page.getByRole('cell', { name: /The cache vanishes at noon \(noon-cache\)/ }).waitFor();
    await screenshot(page, 'gamedays');

    await page.getByRole('link', { name: 'open “The cache vanishes at noon”' }).click();
    await page.getByRole('heading', { name: 'The cache vanishes at noon', level: 1 }).waitFor();
    id = new URL(page.url()).pathname.split('/').pop() ?? '';
    await page.getByText('draft', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Launch' }).click();
    await page.locator('.day-head').getByText('running', { exact: true }).waitFor();
    expect((await day()).state).toBe('running');
  }, 30_000);

  it('gives a responder the console of the running day: declarations through the page, alerts since the launch, and nothing of the scenario', async () => {
    const { page } = responder;
    await page.goto(`${server.url}/gamedays`);
    await page.getByRole('link', { name: 'Friday game day' }).click();
    await page.getByRole('heading', { name: 'Responder console' }).waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Friday game day');
    await page.locator('.day-head').getByText('running', { exact: true }).waitFor();

    // What the monitoring says reaches the team's timeline (as it would in production).
    const prometheus = await userWithToken(server, 'prom', ['alert-source']);
    const alert = { name: 'CheckoutSlow', annotations: { summary: 'p99 above 2 s' } };
    expect((await call(server.url, 'POST', '/api/v1/alerts/prometheus', prometheus, alert)).status).toBeLessThan(300);
    const timeline = page.getByRole('list', { name: "Your team's timeline" });
    await timeline.getByText('CheckoutSlow').waitFor();

    await page.getByRole('button', { name: 'We see something' }).click();
    await timeline.locator('li', { hasText: 'detected' }).waitFor();
    await page.getByLabel('What you suspect').fill('checkout hangs on its worker');
    await page.getByLabel('Service', { exact: true }).fill('checkout');
    await page.getByLabel('Fault kind').fill('process-pause');
    // The pick list offers every fault kind (the same list whatever the scenario).
    const options = page.locator('#cause-faults option');
    await options.first().waitFor({ state: 'attached' });
    const kinds = await Promise.all((await options.all()).map((o) => o.getAttribute('value')));
    expect(kinds).toEqual(expect.arrayContaining(['process-pause', 'process-kill', 'proxy-latency']));
    await page.getByRole('button', { name: 'Declare the suspected cause' }).click();
    await timeline.locator('li', { hasText: 'service checkout, fault process-pause' }).waitFor();
    await page.getByRole('button', { name: 'Contained', exact: true }).click();
    await timeline.locator('li', { hasText: 'contained' }).waitFor();
    // The reconstruction, picked from every technique Firedrill knows (the same list whatever the scenario).
    const picks = page.getByRole('group', { name: 'Techniques you believe were used' });
    await picks.getByLabel(/T1110\.001 Brute Force/).check();
    await picks.getByLabel(/T1571 Non-Standard Port/).check();
    await page.getByLabel('Entry point').fill('T1110.001');
    await page.getByLabel('Hosts touched').fill('web-1, web-2');
    await page.getByRole('button', { name: 'File the reconstruction' }).click();
    await page.getByRole('status').getByText('Filed by rita: T1110.001, T1571, entry T1110.001, on web-1, web-2.').waitFor();
    expect((await day()).findings).toMatchObject([
      { team: 'shop', by: 'rita', techniques: ['T1110.001', 'T1571'], entryPoint: 'T1110.001', hosts: ['web-1', 'web-2'] },
    ]);
    expect((await day()).declarations).toMatchObject([
      { team: 'shop', declare: 'detected', by: 'rita' },
      { team: 'shop', declare: 'diagnosed', by: 'rita', cause: { service: 'checkout', fault: 'process-pause' } },
      { team: 'shop', declare: 'contained', by: 'rita' },
    ]);

    // Nothing of the scenario: not in the page, not in any answer the page received.
    await page.waitForLoadState('networkidle');
    const seen = await text(page);
    for (const secret of SECRETS) expect(seen, `the responder's page says ${secret}`).not.toContain(secret);
    for (const response of responder.responses)
      for (const secret of SECRETS) expect(response.body, `${response.url} says ${secret}`).not.toContain(secret);
    expect(await page.getByRole('heading', { name: 'The scenario' }).count()).toBe(0);
    await screenshot(page, 'gameday-responder');

    // An observer sees every team's declarations, and has nothing to press.
    const observer = await loggedIn(browser, server, 'olga', ['viewer']);
    await observer.page.goto(`${server.url}/gamedays/${id}`);
    await observer.page.getByRole('cell', { name: /diagnosed/ }).waitFor();
    expect(await observer.page.getByRole('heading', { level: 1 }).textContent()).toBe('Friday game day');
    expect(await observer.page.locator('main').getByRole('button').count()).toBe(0);
    for (const secret of SECRETS) expect(await text(observer.page)).not.toContain(secret);
    expect(observer.errors).toEqual([]);
    await observer.context.close();
  }, 30_000);

  it('lets the facilitator watch the scenario, pause, resume, inject a step and end it; the responder then reads it and the review', async () => {
    const { page } = facilitator;
    await page.reload();
    const steps = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Injected' }) });
    await steps.getByRole('rowheader', { name: /vanish-cache \(experiment villain-plan-cache\)/ }).waitFor();
    await steps.getByRole('rowheader', { name: /slow-disk/ }).waitFor();
    await page.getByRole('cell', { name: /service checkout, fault process-pause/ }).waitFor();

    // The driver reads each command on its next tick; the page shows it applied on its next poll.
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    await page.locator('.day-head').getByText('paused', { exact: true }).waitFor();
    // A pause holds back the triggers, not the facilitator: "inject now" injects while paused.
    await page.getByRole('button', { name: 'Inject vanish-cache now' }).click();
    const first = steps.getByRole('row', { name: /vanish-cache/ });
    await first.getByText('passed', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    const run = first.getByRole('link');
    expect(await run.getAttribute('href')).toMatch(/^\/runs\/\S+$/);
    expect(await first.getByRole('cell', { name: /^\+/ }).count()).toBeGreaterThan(0); // injected at an offset from the launch
    expect(
      await steps
        .getByRole('row', { name: /slow-disk/ })
        .getByText('waiting', { exact: true })
        .count(),
    ).toBe(1);
    await screenshot(page, 'gameday-facilitator');

    await page.getByRole('button', { name: 'End the game day' }).click();
    await page.getByRole('button', { name: 'End', exact: true }).click();
    await page.locator('.day-head').getByText('ended', { exact: true }).waitFor();
    await expect.poll(() => page.locator('.review pre').textContent()).toMatch(/^# Review: The cache vanishes at noon/);
    const ended = await day();
    expect(ended.state).toBe('ended');
    expect(ended.commands.map((c) => [c.command, c.step, c.by])).toEqual([
      ['pause', null, 'fay'],
      ['inject', 'vanish-cache', 'fay'],
      ['resume', null, 'fay'],
      ['end', null, 'fay'],
    ]);

    // Revealed: the responder's page now says what it was, with the review.
    const watched = responder.page;
    await watched.reload();
    await watched.getByRole('heading', { name: 'The cache vanishes at noon', level: 1 }).waitFor();
    await watched.getByRole('heading', { name: 'The scenario' }).waitFor();
    await watched.getByRole('rowheader', { name: /vanish-cache/ }).waitFor();
    await expect.poll(() => watched.locator('.review pre').textContent()).toMatch(/^# Review: The cache vanishes at noon/);
    await screenshot(watched, 'gameday-revealed');
    expect(await watched.getByRole('button', { name: 'We see something' }).count()).toBe(0);
    expect(await watched.getByRole('button', { name: 'Launch again' }).count()).toBe(0);
    // The refused file of the first test answered 400, by design.
    expect([...facilitator.errors, ...responder.errors].filter((e) => !/status of 400/.test(e))).toEqual([]);
  }, 40_000);
});
