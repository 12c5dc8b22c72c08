import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processState } from '../../../src/targets/proc.js';
import { eventually } from '../../probes/fixtures.js';
import { call, pauseExperiment, testServer, userWithToken } from '../../server/fixtures.js';
import { loggedIn, openBrowser, screenshot } from './fixtures.js';
import type { TestServer } from './fixtures.js';

const PAGES = ['/runs', '/experiments', '/agents'];

// A villain's secret scenario and a secret run holding a real fault: a responder's dashboard must
// not know they exist — not in the page, not in any answer the page received.
describe('the dashboard keeps secret drills from a responder', () => {
  let server: TestServer;
  let browser: Browser;
  let sleeper: ChildProcess;
  const secrets: string[] = ['SECRET'];
  let secretRun = '';
  let secretExperiment = '';

  beforeAll(async () => {
    server = await testServer(undefined, { agent: true });
    browser = await openBrowser();
    sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    const villain = await userWithToken(server, 'vil', ['villain']);
    const facilitator = await userWithToken(server, 'fac-api', ['facilitator']);
    const made = await call(server.url, 'POST', '/api/v1/experiments', villain, {
      name: 'red-team-plan',
      yaml: pauseExperiment(sleeper.pid ?? 0, '60s', 'SECRET plan - the cache vanishes'),
    });
    expect(made.status).toBe(201);
    secretExperiment = (made.body.experiment as { id: string }).id;
    const run = await call(server.url, 'POST', '/api/v1/runs', facilitator, {
      yaml: pauseExperiment(sleeper.pid ?? 0, '60s', 'SECRET run - freeze the worker'),
      secret: true,
    });
    secretRun = (run.body.run as { id: string }).id;
    secrets.push(secretRun, secretExperiment, 'red-team-plan');
    // An ordinary run beside them, which everyone sees.
    await call(server.url, 'POST', '/api/v1/runs', facilitator, {
      yaml: 'title: an ordinary drill\nmethod:\n  - { name: w, wait: 10ms }\n',
    });
    await eventually(() => expect(processState(sleeper.pid ?? 0)).toBe('T'));
  }, 60_000);

  afterAll(async () => {
    sleeper?.kill('SIGKILL');
    await browser?.close();
    await server?.stop();
  });

  it('shows them to a facilitator (so that the absence below means something)', async () => {
    const { page, context } = await loggedIn(browser, server, 'fac', ['facilitator']);
    await page.goto(`${server.url}/runs`);
    await page.getByRole('link', { name: 'SECRET run - freeze the worker' }).waitFor();
    await page.goto(`${server.url}/experiments`);
    await page.getByText('SECRET plan - the cache vanishes').waitFor();
    await page.goto(`${server.url}/agents`);
    await page.getByText(secretRun).first().waitFor();
    await context.close();
  });

  it('leaves no trace of them for a responder: lists, the agents’ faults, direct links, and every response', async () => {
    const watched = await loggedIn(browser, server, 'resp', ['responder']);
    const { page } = watched;
    for (const path of PAGES) {
      await page.goto(`${server.url}${path}`);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await page.waitForLoadState('networkidle');
      const text = (await page.locator('body').textContent()) ?? '';
      for (const secret of secrets) expect(text, `${path} shows ${secret}`).not.toContain(secret);
    }
    await page.goto(`${server.url}/runs`);
    await page.getByRole('link', { name: 'an ordinary drill' }).waitFor();
    await screenshot(page, 'responder-runs');
    // Direct links answer as if nothing were there.
    await page.goto(`${server.url}/runs/${secretRun}`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/no run/);
    await page.goto(`${server.url}/experiments/${secretExperiment}`);
    await page.getByRole('alert').waitFor();
    await page.waitForLoadState('networkidle');
    // Nothing the server answered the page names them (the direct links' own 404 say only "no run <id>": the id the user typed).
    const leaks = watched.responses.filter(
      (r) => !r.url.includes(secretRun) && !r.url.includes(secretExperiment) && secrets.some((s) => r.body.includes(s)),
    );
    expect(leaks.map((r) => r.url)).toEqual([]);
    expect(watched.responses.filter((r) => r.url.includes('/api/v1/')).length).toBeGreaterThan(5);
    expect(watched.outside).toEqual([]);
    await watched.context.close();
  });
});
