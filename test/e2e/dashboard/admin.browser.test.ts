import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentView } from '../../../src/server/api-types.js';
import { call, pauseExperiment, testServer, userWithToken } from '../../server/fixtures.js';
import { loggedIn, openBrowser, screenshot } from './fixtures.js';
import type { TestServer, Watched } from './fixtures.js';

// The admin's pages against a real control plane and a real agent: agents, users and tokens, the
// audit log; then what a viewer is shown, and refused.

let server: TestServer;
let browser: Browser;
let admin: Watched;
/** A facilitator's API token, for what the test does around the pages (start a run, read the agents). */
let robot: string;
/** A process for a drill to pause. */
let sleeper: ChildProcess;

beforeAll(async () => {
  server = await testServer(undefined, { agent: true });
  browser = await openBrowser();
  robot = await userWithToken(server, 'robot', ['facilitator']);
  sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
  admin = await loggedIn(browser, server, 'ada', ['admin']);
  // A wait that fails says what it waited for, before the test's own timeout.
  admin.page.setDefaultTimeout(10_000);
}, 60_000);

afterAll(async () => {
  sleeper?.kill('SIGKILL');
  await browser?.close();
  await server?.stop();
});

/** The page's `main` (the header holds the halt button and Log out). */
const main = (page: Page): Locator => page.getByRole('main');
const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
/** The row of a table whose row header is exactly `name`. */
const row = (page: Page, name: string) => page.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });

/** Waits until `check` holds, reading the page again each time; fails with what it saw last. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  let value = await read();
  while (!check(value)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

/** `2 min 5 s` → 125. */
function seconds(text: string): number {
  const [, min = '0', s = 'NaN'] = /^(?:(\d+) min )?(\d+) s$/.exec(text) ?? [];
  return Number(min) * 60 + Number(s);
}

async function me(token: string): Promise<number> {
  return (await call(server.url, 'GET', '/api/v1/me', token)).status;
}

describe('the admin pages of the dashboard', () => {
  it('shows the local agent reachable, with the version it reports, and registers another', async () => {
    const { page } = admin;
    const agents = (await call(server.url, 'GET', '/api/v1/agents', robot)).body.agents as AgentView[];
    const version = agents.find((a) => a.name === 'local')?.version;
    expect(version).toMatch(/\d+\.\d+/);

    await nav(page, 'Agents').click();
    const local = page.getByRole('listitem', { name: 'local' });
    await local.getByText('reachable', { exact: true }).waitFor();
    await local.getByText(version ?? '?', { exact: true }).waitFor();
    await local.getByText('not halted').waitFor();
    await local.getByText('No active fault.').waitFor();

    // An agent nobody listens for: its token file exists on this host, its port answers nothing.
    writeFileSync(join(server.dir, 'far.token'), 'a-token-for-far-1\n');
    const form = page.getByRole('form', { name: 'Register an agent' });
    await form.getByLabel('Name').fill('far-1');
    await form.getByLabel('URL').fill('http://127.0.0.1:9');
    await form.getByLabel('Labels').fill('zone=eu-1, tier=db');
    await form.getByLabel('Token path or variable').fill(join(server.dir, 'far.token'));
    await form.getByRole('button', { name: 'Register' }).click();
    const far = page.getByRole('listitem', { name: 'far-1' });
    await far.getByText('unreachable', { exact: true }).waitFor();
    await far.getByText('zone=eu-1').waitFor();
    await far.getByText('tier=db').waitFor();
    expect((await server.store.agents.list()).map((a) => a.name)).toEqual(['far-1']);
  });

  it('shows an active fault with its run and the time its lease has left, counting down, until the run ends', async () => {
    const { page } = admin;
    const started = await call(server.url, 'POST', '/api/v1/runs', robot, {
      yaml: pauseExperiment(sleeper.pid ?? 0, '60s'),
      name: 'p.yaml',
    });
    expect(started.status).toBe(201);
    const runId = (started.body.run as { id: string }).id;
    await nav(page, 'Agents').click();
    const local = page.getByRole('listitem', { name: 'local' });
    const fault = local.getByRole('table', { name: 'Active faults' }).getByRole('row').filter({ hasText: 'process-pause' });
    await fault.waitFor();
    expect(await fault.getByRole('link', { name: runId }).getAttribute('href')).toBe(`/runs/${runId}`);
    const first = await fault.locator('td.lease').innerText();
    expect(first).toMatch(/^(\d+ min )?\d+ s$/);
    // Counting down: some reading is below the one before it (a renewal of the lease moves it up again).
    let previous = seconds(first);
    const ticked = async () => {
      const now = seconds(await fault.locator('td.lease').innerText());
      const down = now < previous;
      previous = now;
      return down;
    };
    await eventually(ticked, (down) => down, 'the lease left went down');
    await screenshot(page, 'agents');

    expect((await call(server.url, 'POST', `/api/v1/runs/${runId}/cancel`, robot, { reason: 'seen' })).status).toBe(202);
    await local.getByText('No active fault.').waitFor();
  });

  it('creates a user with the responder role, who logs in with the password given, and changes their roles', async () => {
    const { page } = admin;
    await nav(page, 'Users').click();
    const form = page.getByRole('form', { name: 'New user' });
    await form.getByLabel('Name').fill('grace');
    expect(await form.getByRole('checkbox', { name: 'responder', exact: true }).isChecked()).toBe(true);
    await form.getByRole('button', { name: 'Generate a password' }).click();
    const password = await form.getByLabel('Password').inputValue();
    expect(password).toHaveLength(20);
    await form.getByRole('button', { name: 'Create user' }).click();
    await form.getByRole('status').getByText(password).waitFor();

    const roles = page.getByRole('form', { name: 'Roles of grace' });
    await roles.waitFor();
    expect(await roles.getByRole('checkbox', { name: 'responder', exact: true }).isChecked()).toBe(true);
    expect(await roles.getByRole('checkbox', { name: 'admin', exact: true }).isChecked()).toBe(false);
    expect((await server.store.users.list()).find((u) => u.name === 'grace')?.roles).toEqual(['responder']);
    expect((await call(server.url, 'POST', '/api/v1/login', undefined, { name: 'grace', password })).status).toBe(200);

    await roles.getByRole('checkbox', { name: 'viewer', exact: true }).check();
    await roles.getByRole('button', { name: 'Save roles of grace' }).click();
    await roles.getByRole('status').waitFor();
    expect((await server.store.users.list()).find((u) => u.name === 'grace')?.roles.sort()).toEqual(['responder', 'viewer']);
  });

  it('issues a token shown once that works until it is revoked', async () => {
    const { page } = admin;
    const form = page.getByRole('form', { name: 'Issue a token' });
    await form.getByLabel('Token name').fill('ci');
    await form.getByLabel('Expires after').fill('30');
    await form.getByRole('button', { name: 'Issue token' }).click();
    await form.getByText('it will not be shown again').waitFor();
    const token = await form.getByLabel('New token').inputValue();
    expect(token).toMatch(/^fdt/);
    expect(await me(token)).toBe(200);
    await screenshot(page, 'users');

    const ci = row(page, 'ci');
    await ci.getByText('active').waitFor();
    await form.getByRole('button', { name: 'Done' }).click();
    expect(await page.content()).not.toContain(token);
    await page.reload();
    await ci.waitFor();
    expect(await page.content()).not.toContain(token);

    await ci.getByRole('button', { name: 'Revoke token ci' }).click();
    await ci
      .getByRole('group', { name: /^Revoke token ci of ada\?/ })
      .getByRole('button', { name: 'Revoke' })
      .click();
    await ci.getByText(/^revoked/).waitFor();
    expect(await me(token)).toBe(401);
  });

  it('lists those actions in the audit log, denied ones marked, and filters them by actor in the address bar', async () => {
    const { page } = admin;
    expect((await call(server.url, 'POST', '/api/v1/login', undefined, { name: 'mallory', password: 'not-the-password' })).status).toBe(
      401,
    );
    await nav(page, 'Audit').click();
    const table = page.getByRole('table');
    for (const action of ['agent.register', 'user.create', 'user.roles', 'token.issue', 'token.revoke'])
      await table.getByText(action, { exact: true }).first().waitFor();
    await table.getByRole('link', { name: 'mallory' }).waitFor();
    await table.getByText('denied: wrong name or password').waitFor();
    expect(await table.getByText('denied: wrong name or password').getAttribute('class')).toContain('bad');
    await screenshot(page, 'audit');

    const actors = () => page.locator('table.audit tbody tr td:nth-child(2)').allTextContents();
    expect(new Set(await actors())).toEqual(new Set(['ada', 'grace', 'mallory', 'robot']));
    await page.getByLabel('Actor').fill('ada');
    await page.getByRole('button', { name: 'Filter' }).click();
    await eventually(actors, (seen) => seen.length > 0 && seen.every((a) => a === 'ada'), 'actors after filtering by ada');
    expect(new URL(page.url()).searchParams.get('actor')).toBe('ada');
    expect((await table.getByRole('cell', { name: /^(user|token)\./ }).allTextContents()).sort()).toEqual([
      'token.issue',
      'token.revoke',
      'user.create',
      'user.roles',
    ]);

    // The filter is the address: reloaded, the page shows the same records.
    await page.reload();
    await table.waitFor();
    expect(await page.getByLabel('Actor').inputValue()).toBe('ada');
    expect(new Set(await actors())).toEqual(new Set(['ada']));
  });

  it('shows a viewer no audit, no users and no button that changes an agent, and refuses /users', async () => {
    const viewer = await loggedIn(browser, server, 'vic', ['viewer']);
    const { page } = viewer;
    page.setDefaultTimeout(10_000);
    const links = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
    expect(links).toEqual(['Runs', 'Experiments', 'Drills', 'Game days', 'Coverage', 'Agents']);

    await nav(page, 'Agents').click();
    await page.getByRole('listitem', { name: 'far-1' }).getByText('unreachable', { exact: true }).waitFor();
    await page.getByRole('listitem', { name: 'local' }).getByText('reachable', { exact: true }).waitFor();
    expect(await main(page).getByRole('button').count()).toBe(0);
    expect(await main(page).getByRole('form').count()).toBe(0);

    for (const path of ['/users', '/audit']) {
      await page.goto(`${server.url}${path}`);
      const refusal = main(page).getByRole('alert');
      await refusal.getByText('Not for your roles.').waitFor();
      expect(await refusal.textContent()).toMatch(/The server said: vic .*may not/);
    }
    expect(await main(page).getByRole('button').count()).toBe(0);
    // The browser logs each 403 it receives; anything else said in the console is a fault of the page.
    expect(viewer.errors.filter((e) => !e.includes('403'))).toEqual([]);
    await viewer.context.close();
  });

  it('forgets a registered agent after asking', async () => {
    const { page } = admin;
    await nav(page, 'Agents').click();
    const far = page.getByRole('listitem', { name: 'far-1' });
    await far.getByRole('button', { name: 'Forget agent far-1' }).click();
    await far
      .getByRole('group', { name: /^Forget agent far-1\?/ })
      .getByRole('button', { name: 'Forget' })
      .click();
    await far.waitFor({ state: 'detached' });
    expect(await server.store.agents.list()).toEqual([]);
    await page.getByRole('listitem', { name: 'local' }).waitFor();
    expect(admin.errors).toEqual([]);
    expect(admin.outside).toEqual([]);
  });
});
