import { escapeHtml } from './html-tokens.js';

/**
 * The optional confirm-click step. Instead of the landing page, the click gets this page; its
 * script posts a one-time token back, and only that post counts the click as human. A scanner
 * that fetches the link without running scripts never posts; one that posts too fast (before a
 * person could have seen the page) is refused too.
 *
 *   GET link ─▶ confirm page (token) ─script POST token─▶ confirmClick() ─▶ landing page
 */

export interface ConfirmPage {
  /** Where the script posts the token. */
  readonly confirmUrl: string;
  /** One-time, unguessable, bound to the recipient by the caller. */
  readonly token: string;
  readonly language?: 'en' | 'fr';
}

export interface ConfirmPost {
  readonly token: string;
  /** Epoch ms of the post. */
  readonly at: number;
}

export interface ConfirmExpectation {
  readonly token: string;
  /** When the page was served. */
  readonly shownAt: number;
  /** A post sooner than this after the page is a robot's (default 300 ms). */
  readonly minDelayMs?: number;
  /** A token older than this has expired (default 10 min). */
  readonly maxAgeMs?: number;
}

export type ConfirmDecision = { readonly human: true } | { readonly human: false; readonly reason: string };

/** Whether a post back from the confirm page makes the click a person's. */
export function confirmClick(post: ConfirmPost, expected: ConfirmExpectation): ConfirmDecision {
  if (!sameToken(post.token, expected.token)) return { human: false, reason: 'the token does not match the page served' };
  const elapsed = post.at - expected.shownAt;
  if (elapsed < (expected.minDelayMs ?? 300)) return { human: false, reason: `posted ${elapsed} ms after the page was served` };
  if (elapsed > (expected.maxAgeMs ?? 600_000)) return { human: false, reason: 'the token has expired' };
  return { human: true };
}

/**
 * The page: noindex, a short message, and a script that posts the token (text/plain) to
 * `confirmUrl` and then goes where the answer's `X-Firedrill-Next` header says (the landing page,
 * once the server has counted the click with `confirmClick`). Served from the same origin as
 * `confirmUrl`, so the header is readable without CORS.
 */
export function confirmClickPage(page: ConfirmPage): string {
  const french = page.language === 'fr';
  const data = scriptJson({ url: page.confirmUrl, token: page.token });
  return [
    '<!doctype html>',
    `<html lang="${french ? 'fr' : 'en'}"><head><meta charset="utf-8">`,
    '<meta name="robots" content="noindex, nofollow">',
    `<title>${french ? 'Ouverture…' : 'Opening…'}</title></head><body>`,
    `<p>${escapeHtml(french ? 'Ouverture de la page…' : 'Opening the page…')}</p>`,
    `<noscript><p>${escapeHtml(french ? 'Activez JavaScript pour continuer.' : 'Turn on JavaScript to continue.')}</p></noscript>`,
    `<script>(function(){var d=${data};fetch(d.url,{method:'POST',headers:{'content-type':'text/plain'},body:d.token})` +
      `.then(function(r){var next=r.headers.get('x-firedrill-next');if(r.ok&&next)location.replace(next);});})();</script>`,
    '</body></html>',
  ].join('\n');
}

/** JSON that cannot end a <script> element or start a comment in it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Compares without stopping at the first difference. */
function sameToken(given: string, expected: string): boolean {
  let difference = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) difference |= (given.charCodeAt(i) || 0) ^ expected.charCodeAt(i);
  return difference === 0 && expected.length > 0;
}
