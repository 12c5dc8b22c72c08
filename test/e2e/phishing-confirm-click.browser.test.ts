import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmClick, confirmClickPage } from '../../src/phishing/confirm-click.js';

/** Debian's chromium (`apt-get install chromium`); Playwright never downloads a browser here. */
const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'tok-7f3a';

// A stand-in for the tracking route: GET /c serves the confirm page, POST /c is judged by
// confirmClick and answered with the landing page's address, GET /landing is the landing page.
let server: Server;
let base = '';
let shownAt = 0;
const posts: { body: string; human: boolean }[] = [];
let browser: Browser | undefined;

function body(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/c') {
      shownAt = Date.now();
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(confirmClickPage({ confirmUrl: '/c', token: TOKEN }));
    } else if (request.method === 'POST' && request.url === '/c') {
      void body(request).then((text) => {
        // minDelayMs 0: a page load in a test may be faster than a person; the delay rule has its unit test.
        const decision = confirmClick({ token: text, at: Date.now() }, { token: TOKEN, shownAt, minDelayMs: 0 });
        posts.push({ body: text, human: decision.human });
        response.writeHead(decision.human ? 204 : 403, decision.human ? { 'x-firedrill-next': '/landing' } : {}).end();
      });
    } else if (request.url === '/landing') response.writeHead(200, { 'content-type': 'text/html' }).end('<p id="landed">landing</p>');
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (existsSync(CHROMIUM))
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('the confirm-click page in a real browser', () => {
  it('posts nothing when only fetched, as a scanner would', async () => {
    const response = await fetch(`${base}/c`);
    expect(await response.text()).toContain(TOKEN);
    expect(posts).toEqual([]);
  });

  it.skipIf(!existsSync(CHROMIUM))(
    'posts the token from a browser, is judged human and goes on to the landing page',
    async () => {
      const page = await (browser as Browser).newPage();
      await page.goto(`${base}/c`);
      await page.waitForURL(`${base}/landing`, { timeout: 10_000 });
      expect(await page.textContent('#landed')).toBe('landing');
      await page.close();
      expect(posts).toEqual([{ body: TOKEN, human: true }]);
    },
    30_000,
  );
});
