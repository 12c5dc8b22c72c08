import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Journal } from '../../../src/engine/journal.js';
import { testServer } from '../../server/fixtures.js';
import { loggedIn, openBrowser, screenshot } from './fixtures.js';
import type { TestServer, Watched } from './fixtures.js';

// The experiments pages against a real control plane and agent: a facilitator writes an
// experiment in the editor, sees the API's problems at line:col while typing, saves two
// versions, reads the diff and dry-runs it; a viewer sees it read only.

let server: TestServer;
let browser: Browser;
let sleeper: ChildProcess;
let facilitator: Watched;
let experimentId = '';

/** Ten lines, no final newline: the end of the document is the end of line 10, `duration: 2s`. */
const experimentYaml = (pid: number) =>
  [
    'title: Pause the sleeper',
    'targets:',
    '  sleeper:',
    '    kind: process',
    `    selector: { pid: ${pid} }`,
    'method:',
    '  - name: pause',
    '    fault: process-pause',
    '    target: sleeper',
    '    duration: 2s',
  ].join('\n');

const editorOf = (page: Page) => page.getByRole('textbox', { name: 'Experiment YAML' });
/** The live region under the editor: valid, or each problem at line:col. */
const statusOf = (page: Page) => page.getByRole('status').and(page.locator('#validation'));

/** Puts the cursor at the end of the document (the end of line 10). */
async function toEnd(page: Page): Promise<void> {
  await editorOf(page).click();
  await page.keyboard.press('Control+End');
}

beforeAll(async () => {
  sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
  server = await testServer(undefined, { agent: true });
  browser = await openBrowser();
  facilitator = await loggedIn(browser, server, 'fran', ['facilitator']);
  // A missing element fails its step, well inside the test's own time.
  facilitator.page.setDefaultTimeout(10_000);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  sleeper?.kill('SIGKILL');
});

describe('the experiments pages', () => {
  it('lets a facilitator write an experiment, shows its problems at line:col while typing, and saves it', async () => {
    const { page } = facilitator;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Experiments' }).click();
    await page.getByRole('link', { name: 'New experiment' }).click();
    await page.waitForURL(/\/experiments\/new$/);
    await page.getByLabel('Name', { exact: true }).fill('pause-sleeper');

    const editor = editorOf(page);
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(experimentYaml(sleeper.pid ?? 0));
    const status = statusOf(page);
    await expect.poll(() => status.textContent()).toMatch(/Valid: “Pause the sleeper”$/);

    // A typo at the end of line 10: the API's problem, at line:col, in the list and in the editor.
    await toEnd(page);
    await page.keyboard.type('x');
    await expect.poll(() => status.textContent()).toMatch(/1 problem/);
    const problem = status.getByRole('listitem');
    expect(await problem.textContent()).toMatch(/^line 10, col 5: method\[0\]\.duration: expected a duration .*got "2sx"/);
    const tenth = page.locator('.cm-content .cm-line').nth(9);
    await tenth.locator('.cm-lintRange-error').waitFor();
    expect(await page.locator('.cm-content .cm-lintRange-error').count()).toBe(1);
    expect(await tenth.textContent()).toBe('    duration: 2sx');
    // Its location is a button that takes the cursor there.
    await page.getByRole('button', { name: 'Save', exact: true }).focus();
    await problem.getByRole('button', { name: 'line 10, col 5' }).click();
    await page.locator('.cm-editor.cm-focused').waitFor();
    await screenshot(page, 'experiment-editor');

    await toEnd(page);
    await page.keyboard.press('Backspace');
    await expect.poll(() => status.textContent()).toMatch(/Valid: “Pause the sleeper”$/);
    expect(await page.locator('.cm-content .cm-lintRange-error').count()).toBe(0);

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/\/experiments\/[0-9a-f-]{36}$/);
    experimentId = new URL(page.url()).pathname.split('/').pop() ?? '';
    await page.getByRole('heading', { level: 1, name: 'Pause the sleeper' }).waitFor();
    const saved = await server.store.experiments.get(experimentId);
    expect(saved).toMatchObject({ name: 'pause-sleeper', title: 'Pause the sleeper', version: 1, createdBy: 'fran', secret: false });
  });

  it('saves a second version and shows what it changed as a line diff', async () => {
    const { page } = facilitator;
    const save = page.getByRole('button', { name: 'Save', exact: true });
    expect(await save.isDisabled()).toBe(true); // nothing to save yet
    await toEnd(page);
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('1s');
    await expect.poll(() => statusOf(page).textContent()).toMatch(/Valid: “Pause the sleeper”$/);
    await save.click();
    await expect.poll(() => save.isDisabled()).toBe(true);
    await page.getByText(/version 2 · changed/).waitFor();

    const history = page.getByRole('region', { name: 'History' });
    await history.getByRole('button', { name: 'Version 2' }).click();
    const diff = history.getByRole('figure');
    await expect.poll(() => diff.locator('figcaption').textContent()).toBe('Version 2 against version 1: 1 line added, 1 line removed');
    expect(await diff.locator('del').allTextContents()).toEqual(['10-    duration: 2s']);
    expect(await diff.locator('ins').allTextContents()).toEqual(['10+    duration: 1s']);
    expect(await history.getByRole('button', { name: 'Version 2' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('lists the experiments with their version and who changed them last', async () => {
    const { page } = facilitator;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Experiments' }).click();
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Pause the sleeper' }) });
    await row.waitFor();
    await expect
      .poll(() => row.getByRole('cell').allTextContents())
      .toEqual(['Pause the sleeper', 'pause-sleeper', '2', 'fran', expect.any(String)]);
    await screenshot(page, 'experiments');
    await row.getByRole('link', { name: 'Pause the sleeper' }).click();
    await page.waitForURL(`${server.url}/experiments/${experimentId}`);
  });

  it('dry-runs the saved version and lands on the run, which resolves the sleeper without touching it', async () => {
    const { page } = facilitator;
    await page.getByRole('button', { name: 'Dry run', exact: true }).click();
    await page.waitForURL(/\/runs\/[^/]+$/);
    const runId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    const run = await server.store.runs.get(runId);
    expect(run).toMatchObject({ experimentId, experimentVersion: 2, dryRun: true, startedBy: 'fran' });
    await expect.poll(async () => (await server.store.runs.get(runId))?.state, { timeout: 20_000 }).toBe('ended');
    expect((await server.store.runs.get(runId))?.targets).toBe('sleeper: 1 process (sleep)');
    const journal = (await server.store.runs.journal(runId)) as Journal;
    expect(journal.dryRun).toBe(true);
    expect(journal.targets.sleeper).toEqual([expect.objectContaining({ kind: 'process', pid: sleeper.pid })]);
    expect(journal.faults).toEqual([]);
    expect(facilitator.outside).toEqual([]);
    // The only console errors are the browser's notes of the refused (400) validations.
    expect(facilitator.errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });

  it('shows a viewer the experiment read only, with no button that changes or runs it', async () => {
    const viewer = await loggedIn(browser, server, 'vic', ['viewer']);
    const { page } = viewer;
    page.setDefaultTimeout(10_000);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Experiments' }).click();
    await page.getByRole('link', { name: 'Pause the sleeper' }).click();
    const editor = editorOf(page);
    await editor.waitFor();
    await page.getByRole('region', { name: 'History' }).getByRole('button', { name: 'Version 1' }).waitFor();

    expect(await page.getByRole('button', { name: /^(Save|Dry run|Run|Delete)$/ }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'New experiment' }).count()).toBe(0);
    expect(await editor.getAttribute('aria-readonly')).toBe('true');
    await editor.click();
    await page.keyboard.type('zzz');
    expect(await editor.textContent()).not.toContain('zzz');
    expect(await editor.textContent()).toContain('duration: 1s');
    // A viewer may not validate: the page never asks.
    expect(viewer.responses.filter((r) => r.url.includes('/experiments/validate'))).toEqual([]);
    expect(viewer.errors).toEqual([]);
    await viewer.context.close();
  });
});
