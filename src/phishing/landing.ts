import { UserError } from '../errors.js';
import { escapeHtml, positionFinder, tokenizeHtml } from './html-tokens.js';
import type { HtmlAttribute, HtmlToken } from './html-tokens.js';

/**
 * Landing pages are made safe before they are saved, so no password ever reaches Firedrill:
 *
 *   - every form field (input, select, textarea, button) loses its `name`, and `formaction`,
 *     `formmethod`, `formenctype` (which would send the form elsewhere): a browser submits only
 *     named fields, so the form posts nothing but "submitted";
 *   - every <form> posts to the tracking action the caller gives, with method post;
 *   - `<meta name="robots" content="noindex">` is added, so no search engine lists a lure;
 *   - a <script src> from another origin is refused (it could read what is typed).
 *
 * Each change is a warning with its line and column, for the author to see what was changed.
 * The page is rewritten by splicing the tags that change; all else is kept byte for byte.
 */

export interface LandingOptions {
  /** Where forms post: the recipient's tracking URL (http(s), or a path on the page's origin). */
  readonly trackingAction: string;
  /** The origin landing pages are served from, e.g. `https://drills.example.org`; relative scripts are same-origin. */
  readonly origin?: string;
}

export interface LandingWarning {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface SanitisedLanding {
  readonly html: string;
  readonly warnings: LandingWarning[];
}

export class LandingError extends UserError {
  constructor(readonly problems: readonly LandingWarning[]) {
    super('FD_LANDING_REFUSED', problems.map((problem) => `landing page:${problem.line}:${problem.column} ${problem.message}`).join('\n'));
  }
}

const FIELDS = new Set(['input', 'select', 'textarea', 'button']);
const FIELD_REMOVED = new Set(['name', 'formaction', 'formmethod', 'formenctype']);
const FORM_REPLACED = new Set(['action', 'method', 'enctype']);
const NOINDEX = '<meta name="robots" content="noindex">';

/** The page made safe and what was changed; throws LandingError when a script from another origin is found. */
export function sanitiseLanding(html: string, options: LandingOptions): SanitisedLanding {
  const at = positionFinder(html);
  const warnings: LandingWarning[] = [];
  const refused: LandingWarning[] = [];
  const edits: { start: number; end: number; text: string }[] = [];
  const tokens = tokenizeHtml(html);
  for (const token of tokens) {
    if (token.type !== 'tag' || token.closing) continue;
    const where = at(token.start);
    if (FIELDS.has(token.name)) {
      const removed = token.attributes.filter((attribute) => FIELD_REMOVED.has(attribute.name));
      if (removed.length === 0) continue;
      for (const attribute of removed)
        warnings.push({
          ...at(attribute.start),
          message: `<${token.name}> ${attribute.name}="${attribute.value}" removed: ${why(attribute.name)}`,
        });
      edits.push({ start: token.start, end: token.end, text: rebuild(html, token, removed, '') });
    } else if (token.name === 'form') {
      const replaced = token.attributes.filter((attribute) => FORM_REPLACED.has(attribute.name));
      const action = ` action="${escapeHtml(trackingAction(options.trackingAction))}" method="post"`;
      for (const attribute of replaced)
        warnings.push({
          ...at(attribute.start),
          message: `<form> ${attribute.name}="${attribute.value}" replaced: forms post to the tracking action only`,
        });
      if (replaced.length === 0) warnings.push({ ...where, message: '<form> given the tracking action' });
      edits.push({ start: token.start, end: token.end, text: rebuild(html, token, replaced, action) });
    } else if (token.name === 'script') {
      const src = token.attributes.find((attribute) => attribute.name === 'src');
      if (src !== undefined && !sameOrigin(src.value, options.origin))
        refused.push({
          ...at(src.start),
          message: `<script src="${src.value}"> refused: scripts from another origin could read what is typed`,
        });
    }
  }
  if (refused.length > 0) throw new LandingError(refused);
  if (!hasNoindex(tokens)) {
    const offset = noindexOffset(tokens);
    edits.push({ start: offset, end: offset, text: NOINDEX });
    warnings.push({ ...at(offset), message: `${NOINDEX} added: lures are never indexed` });
  }
  return { html: splice(html, edits), warnings: warnings.sort((a, b) => a.line - b.line || a.column - b.column) };
}

function why(attribute: string): string {
  return attribute === 'name' ? 'field values never leave the browser' : 'forms post to the tracking action only';
}

/** The tag without `removed`, with `added` before its end. */
function rebuild(html: string, token: HtmlToken & { type: 'tag' }, removed: readonly HtmlAttribute[], added: string): string {
  const nameEnd = token.start + 1 + token.name.length;
  const kept = token.attributes
    .filter((attribute) => !removed.includes(attribute))
    .map((attribute) => ` ${html.slice(attribute.start, attribute.end)}`);
  return `${html.slice(token.start, nameEnd)}${kept.join('')}${added}${token.selfClosing ? ' />' : '>'}`;
}

function trackingAction(action: string): string {
  if (action.startsWith('/') && !action.startsWith('//')) return action;
  let parsed: URL | undefined;
  try {
    parsed = new URL(action);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:'))
    throw new UserError('FD_LANDING_ACTION', `trackingAction: an http(s) URL or a path, got ${JSON.stringify(action)}`);
  return action;
}

function sameOrigin(src: string, origin: string | undefined): boolean {
  const value = src.trim();
  if (!/^[a-z][a-z0-9+.-]*:/i.test(value) && !value.startsWith('//')) return true; // a relative path
  if (origin === undefined) return false;
  try {
    return new URL(value, origin).origin === new URL(origin).origin;
  } catch {
    return false;
  }
}

function hasNoindex(tokens: readonly HtmlToken[]): boolean {
  return tokens.some(
    (token) =>
      token.type === 'tag' &&
      token.name === 'meta' &&
      token.attributes.some((attribute) => attribute.name === 'name' && attribute.value.toLowerCase() === 'robots') &&
      token.attributes.some((attribute) => attribute.name === 'content' && /noindex/i.test(attribute.value)),
  );
}

/** Just after <head>, else after <html>, else after a doctype (before it, a page falls into quirks mode), else at the start. */
function noindexOffset(tokens: readonly HtmlToken[]): number {
  const open = (name: string): HtmlToken | undefined =>
    tokens.find((token) => token.type === 'tag' && !token.closing && token.name === name);
  const first = tokens[0];
  return (open('head') ?? open('html'))?.end ?? (first?.type === 'comment' ? first.end : 0);
}

function splice(html: string, edits: readonly { start: number; end: number; text: string }[]): string {
  let result = '';
  let last = 0;
  // An insertion at a tag's offset goes before the tag's rewrite.
  for (const edit of [...edits].sort((a, b) => a.start - b.start || a.end - b.end)) {
    result += html.slice(last, edit.start) + edit.text;
    last = edit.end;
  }
  return result + html.slice(last);
}
