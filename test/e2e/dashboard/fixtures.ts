import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Role } from '../../../src/store/users.js';
import { WEB_DIR } from '../../server/fixtures.js';
import type { testServer } from '../../server/fixtures.js';

/** Debian's chromium (`apt-get install chromium`); Playwright never downloads a browser here. */
export const CHROMIUM = '/usr/bin/chromium';
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
/** Screenshots for a person to look at (gitignored), and for docs/dashboard.md. */
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

export type TestServer = Awaited<ReturnType<typeof testServer>>;

/** A browser for the dashboard tests; refuses to start without chromium or a built dashboard (a skip would hide it). */
export async function openBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  if (!existsSync(join(WEB_DIR, 'index.html'))) throw new Error(`the dashboard is not built in ${WEB_DIR}: npm run build`);
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** What one page did: its errors, and every response it received (URL and body), to look for leaks. */
export interface Watched {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly errors: string[];
  /** Requests to anything but the server: must stay empty (no CDN, nothing leaves the machine). */
  readonly outside: string[];
  readonly responses: { url: string; body: string }[];
}

/** A fresh context (its own cookies) and page on `server`, logged in as a new user with `roles`. */
export async function loggedIn(
  browser: Browser,
  server: TestServer,
  name: string,
  roles: Role[],
  viewport = { width: 1280, height: 860 },
): Promise<Watched> {
  if (!(await server.store.users.list()).some((u) => u.name === name)) await server.store.users.create(name, roles, `${name}-password-1`);
  const watched = await openPage(browser, server, viewport);
  await watched.page.goto(server.url);
  await watched.page.getByLabel('Name').fill(name);
  await watched.page.getByLabel('Password').fill(`${name}-password-1`);
  await watched.page.getByRole('button', { name: 'Log in' }).click();
  await watched.page.getByRole('navigation', { name: 'Main' }).waitFor();
  // Before logging in, the page asked who it is and was answered 401, by design: not an error of the page.
  watched.errors.splice(0, watched.errors.length, ...watched.errors.filter((e) => !/status of 401/.test(e)));
  return watched;
}

export async function openPage(browser: Browser, server: TestServer, viewport = { width: 1280, height: 860 }): Promise<Watched> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  const outside: string[] = [];
  const responses: { url: string; body: string }[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())));
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(server.url)) return route.continue();
    outside.push(url);
    return route.abort();
  });
  page.on('response', (response) => {
    const type = response.headers()['content-type'] ?? '';
    // An event stream never ends: its events are read through the page instead.
    if (type.startsWith('text/event-stream')) return;
    void response.text().then(
      (body) => responses.push({ url: response.url(), body }),
      () => undefined,
    );
  });
  return { page, context, errors, outside, responses };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });
}
