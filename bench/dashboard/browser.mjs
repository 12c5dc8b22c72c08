// Debian's chromium driven by playwright-core (never a downloaded browser), pages logged in as
// a user of the bench's server, and what the bench watches inside a page: scripts added before
// any of the page's own (page.addInitScript), reading the page's clock as epoch milliseconds
// (aligned on a tick of Date.now(), as support/clock.mjs does, so they compare with the bench's
// nowMs() and with /proc polls).
/* global window, document, performance, PerformanceObserver, MutationObserver */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { root } from '../support.mjs';
import { passwordOf } from './control-plane.mjs';

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
  // Nothing leaves the machine: any address but loopback (which Chrome never proxies) goes to a
  // closed port.
  '--proxy-server=http://127.0.0.1:9',
];

export async function openBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (this bench never downloads a browser)`);
  if (!existsSync(join(root, 'dist', 'web', 'index.html'))) throw new Error('the dashboard is not built in dist/web: npm run build');
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/**
 * A fresh context (its own cookies) and page, with `probes` (functions of this module) added
 * before any script of the page, logged in as `name`. Resolves { page, context, errors, outside }:
 * the page's errors, and requests to anything but the server (must stay empty).
 */
export async function loggedIn(browser, server, name, probes = []) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const errors = [];
  const outside = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on(
    'console',
    (message) => void (message.type() === 'error' && !/status of 401/.test(message.text()) && errors.push(message.text())),
  );
  page.on('request', (request) => void (!request.url().startsWith(server.url) && outside.push(request.url())));
  for (const probe of probes) await page.addInitScript(probe);
  await page.goto(server.url);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(passwordOf(name));
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  return { page, context, errors, outside };
}

/**
 * In the page: `window.firedrillBench.now()` (epoch ms), and once `arm()`ed, `clickAt` (the click
 * on the "Halt everything" button, in the capture phase: before the page's own handler) and
 * `bannerAt` (the halt banner in the DOM: a mutation observer's callback, right after React's
 * commit and before the frame is painted).
 */
export function haltProbe() {
  const first = Date.now();
  let tick;
  while ((tick = Date.now()) === first);
  const offset = tick - performance.now();
  const bench = (window.firedrillBench = window.firedrillBench ?? {});
  bench.now = () => offset + performance.now();
  bench.arm = () => Object.assign(bench, { armed: true, clickAt: undefined, bannerAt: undefined });
  document.addEventListener(
    'click',
    (event) => {
      const button = event.target instanceof window.Element ? event.target.closest('button') : null;
      if (bench.armed && bench.clickAt === undefined && button?.textContent?.trim() === 'Halt everything') bench.clickAt = bench.now();
    },
    true,
  );
  new MutationObserver(() => {
    if (bench.armed && bench.bannerAt === undefined && document.querySelector('[data-testid="halt-banner"]')) bench.bannerAt = bench.now();
  }).observe(document, { childList: true, subtree: true });
}

/** In the page: every long task (≥ 50 ms on the main thread) since the page began, in `window.firedrillBench.longTasks`. */
export function longTaskProbe() {
  const bench = (window.firedrillBench = window.firedrillBench ?? {});
  bench.longTasks = [];
  bench.longTaskSupported = PerformanceObserver.supportedEntryTypes.includes('longtask');
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) bench.longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });
}
