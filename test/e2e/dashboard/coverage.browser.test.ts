import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServer } from '../../server/fixtures.js';
import { loggedIn, openBrowser, screenshot } from './fixtures.js';
import type { TestServer } from './fixtures.js';

const AT = Date.parse('2026-12-01T10:00:00Z');

/** A journal of a run that detonated `type`, seen (met, after `tookMs`) or not (missed). */
const journal = (id: string, type: string, status: 'met' | 'missed', tookMs?: number) => ({
  runId: id,
  startedAt: new Date(AT).toISOString(),
  dryRun: false,
  faults: [{ type, injectedAt: new Date(AT).toISOString(), status: 'reverted' }],
  expectations: [{ name: 'seen', kind: 'alert', within: 60_000, never: false, status, ...(tookMs && { tookMs }), detail: '' }],
});

// Coverage from drills already played (journals brought into the store, as `firedrill server
// import` does), one of them secret: a viewer's matrix must not show what it detonated.
describe('the coverage page', () => {
  let server: TestServer;
  let browser: Browser;
  const secretRun = '20261201-110000-5ec2e7';

  beforeAll(async () => {
    server = await testServer();
    browser = await openBrowser();
    const imported = (id: string, title: string, body: unknown) => ({
      id,
      title,
      startedBy: 'import',
      createdAt: AT,
      endedAt: AT + 60_000,
      verdict: 'passed',
      reason: '',
      tags: [],
      request: {},
      events: [],
      journal: body,
    });
    await server.store.runs.importEnded(imported('20261201-100000-c0ffee', 'cron drill', journal('c', 'cron-persistence', 'met', 42_000)));
    await server.store.runs.importEnded(imported('20261201-100500-5he11a', 'shell drill', journal('s', 'web-shell', 'missed')));
    const secret = { experimentId: null, experimentVersion: null, title: 'SECRET backdoor', startedBy: 'fac', owner: 'x', tags: [] };
    await server.store.runs.insert({ ...secret, id: secretRun, secret: true, leaseExpiresAt: AT, request: {} });
    await server.store.runs.end(secretRun, { verdict: 'passed', reason: '', journal: journal(secretRun, 'backdoor-listener', 'missed') });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows a matrix of tactics and techniques by status with the median time to detect, and downloads the Navigator layer', async () => {
    const { page, errors, outside, responses } = await loggedIn(browser, server, 'vera', ['viewer']);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Coverage' }).click();
    await page.getByRole('heading', { name: 'ATT&CK coverage' }).waitFor();
    await page.getByRole('columnheader').first().waitFor(); // the heading comes before the data
    const headers = await page.getByRole('columnheader').allTextContents();
    expect(headers).toEqual([
      'Execution',
      'Persistence',
      'Privilege Escalation',
      'Credential Access',
      'Discovery',
      'Command and Control',
      'Exfiltration',
    ]);
    const cron = page.getByRole('article', { name: 'T1053.003 Scheduled Task/Job: Cron: detected' });
    expect(await cron.count()).toBe(3); // under each of its three tactics
    await expect.poll(() => cron.first().textContent()).toMatch(/median TTD42\.0 s/);
    expect(await page.getByRole('article', { name: /^T1505\.003 .*: missed$/ }).count()).toBe(1);
    // The secret drill's backdoor stays untested for a viewer, and nothing the page received names it.
    expect(await page.getByRole('article', { name: /^T1571 .*: never tested$/ }).count()).toBe(1);
    expect(responses.filter((r) => r.body.includes(secretRun) || r.body.includes('SECRET'))).toEqual([]);
    await expect.poll(() => page.getByRole('list', { name: 'Legend' }).textContent()).toMatch(/detected late.*missed.*never tested/);
    await screenshot(page, 'coverage');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Navigator layer/ }).click()]);
    expect(download.suggestedFilename()).toBe('firedrill-attack-layer.json');
    const layer = JSON.parse(readFileSync((await download.path()) ?? '', 'utf8')) as {
      versions: { layer: string };
      techniques: { techniqueID: string; color: string }[];
    };
    expect(layer.versions.layer).toBe('4.5');
    expect(layer.techniques.find((t) => t.techniqueID === 'T1571')?.color).toBe('#d9d9d9');
    expect(errors).toEqual([]);
    expect(outside).toEqual([]);
  }, 60_000);

  it('shows the secret drill’s miss to the white cell', async () => {
    const { page } = await loggedIn(browser, server, 'fac', ['facilitator']);
    await page.goto(`${server.url}/coverage`);
    await page
      .getByRole('article', { name: /^T1571 .*: missed$/ })
      .first()
      .waitFor();
  }, 60_000);
});
