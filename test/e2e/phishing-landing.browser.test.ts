import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LandingError, sanitiseLanding } from '../../src/phishing/landing.js';
import { LURES } from '../../src/phishing/library/index.js';
import { seededRandom } from '../../src/util/random.js';

/** Debian's chromium (`apt-get install chromium`); Playwright never downloads a browser here. */
const CHROMIUM = '/usr/bin/chromium';

// Chromium's own HTML parser is the judge of the landing-page sanitiser: after sanitising, no
// document may hold a field a form would submit (a named input, select, textarea, button), a
// formaction, or a form posting anywhere but the tracking action.
const FRAGMENTS = [
  '<input',
  '<INPUT',
  '<select',
  '<TextArea',
  '<button',
  '<form',
  '<FORM',
  ' name=x',
  ' NAME="p w"',
  " name='y'",
  ' name',
  ' formaction=/f',
  ' action=/a',
  ' method=get',
  ' value="name=z"',
  " title='a name=b'",
  '/',
  '>',
  '"',
  "'",
  '=',
  ' ',
  '\n',
  '<!--',
  '-->',
  '<!-->',
  '--!>',
  '<style>',
  '</style>',
  '<title>',
  '</title>',
  '</textarea>',
  '</form>',
  '<![CDATA[',
  ']]>',
  '<p>',
  'text',
];

// Runs in the page (a string: this project's TypeScript has no DOM types).
const FIND_LEAKS = `(documents) => documents.map((html) => {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const named = [...doc.querySelectorAll('input, select, textarea, button')].filter((field) => field.hasAttribute('name') || field.hasAttribute('formaction'));
  const forms = [...doc.querySelectorAll('form')].filter((form) => form.getAttribute('action') !== '/s/t' || form.getAttribute('method') !== 'post');
  return named.length + forms.length;
})`;

let browser: Browser | undefined;

beforeAll(async () => {
  if (existsSync(CHROMIUM))
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('sanitised landing pages as Chromium parses them', () => {
  it.skipIf(!existsSync(CHROMIUM))(
    'hold no field a form would submit, for 5,000 nasty documents and every library page',
    async () => {
      const random = seededRandom(31);
      const originals: string[] = [];
      for (let i = 0; i < 5000; i++) {
        let html = '';
        const length = 1 + Math.floor(random() * 30);
        for (let j = 0; j < length; j++) html += FRAGMENTS[Math.floor(random() * FRAGMENTS.length)] as string;
        originals.push(html);
      }
      for (const lure of LURES) originals.push(lure.content.en.landing, lure.content.fr.landing);
      const sanitised: string[] = [];
      const kept: string[] = [];
      for (const html of originals) {
        try {
          sanitised.push(sanitiseLanding(html, { trackingAction: '/s/t' }).html);
          kept.push(html);
        } catch (error) {
          if (!(error instanceof LandingError)) throw error;
        }
      }
      const page = await (browser as Browser).newPage();
      const before = await page.evaluate<number[]>(`(${FIND_LEAKS})(${JSON.stringify(kept)})`);
      const after = await page.evaluate<number[]>(`(${FIND_LEAKS})(${JSON.stringify(sanitised)})`);
      await page.close();
      expect(before.filter((count) => count > 0).length).toBeGreaterThan(1000); // the inputs were nasty
      const leaks = kept.filter((_, i) => (after[i] as number) > 0);
      expect(leaks).toEqual([]);
    },
    120_000,
  );
});
