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
 *   - <base> is removed (it would resolve a relative tracking action elsewhere);
 *   - refused, because a script could read what is typed and send it: <script src> from another
 *     origin, inline scripts, `on*=` handlers, `javascript:` URLs (however encoded), `srcdoc`
 *     frames; and markup inside style,
 *     script, title or textarea on a page with <svg>/<math>, where browsers parse it as tags and
 *     this tokenizer would not see a field hidden there.
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
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title']);
// eslint-disable-next-line no-control-regex -- browsers drop these from a URL before reading its scheme
const URL_IGNORED = /[\u0000-\u0020]/g;
/** Attributes whose value a browser may follow as a URL (SVG animation's `values`/`to`/`from` can set an href). */
const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'action',
  'formaction',
  'xlink:href',
  'data',
  'poster',
  'background',
  'values',
  'to',
  'from',
  'by',
]);

/** The page made safe and what was changed; throws LandingError listing every script or ambiguity refused. */
export function sanitiseLanding(html: string, options: LandingOptions): SanitisedLanding {
  const at = positionFinder(html);
  const warnings: LandingWarning[] = [];
  const refused: LandingWarning[] = [];
  const edits: { start: number; end: number; text: string }[] = [];
  const tokens = tokenizeHtml(html);
  const foreign = tokens.some((token) => token.type === 'tag' && (token.name === 'svg' || token.name === 'math'));
  tokens.forEach((token, index) => {
    if (token.type === 'text' && foreign && /<[a-z/!]/i.test(html.slice(token.start, token.end))) {
      const before = tokens[index - 1];
      if (before?.type === 'tag' && !before.closing && RAW_TEXT.has(before.name))
        refused.push({
          ...at(token.start),
          message: `markup inside <${before.name}> on a page with <svg> or <math>: browsers may read it as tags`,
        });
    }
    if (token.type !== 'tag' || token.closing) return;
    for (const attribute of token.attributes) {
      const reason = scriptInAttribute(attribute);
      if (reason) refused.push({ ...at(attribute.start), message: `<${token.name}> ${attribute.name}= refused: ${reason}` });
    }
    if (FIELDS.has(token.name)) {
      const removed = token.attributes.filter((attribute) => FIELD_REMOVED.has(attribute.name));
      if (removed.length === 0) return;
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
      if (replaced.length === 0) warnings.push({ ...at(token.start), message: '<form> given the tracking action' });
      edits.push({ start: token.start, end: token.end, text: rebuild(html, token, replaced, action) });
    } else if (token.name === 'base') {
      warnings.push({ ...at(token.start), message: '<base> removed: it would move the tracking action elsewhere' });
      edits.push({ start: token.start, end: token.end, text: '' });
    } else if (token.name === 'script') {
      const src = token.attributes.find((attribute) => attribute.name === 'src');
      const next = tokens[index + 1];
      if (src !== undefined && !sameOrigin(src.value, options.origin))
        refused.push({
          ...at(src.start),
          message: `<script src="${src.value}"> refused: scripts from another origin could read what is typed`,
        });
      else if (src === undefined && next?.type === 'text' && html.slice(next.start, next.end).trim() !== '')
        refused.push({
          ...at(token.start),
          message: "inline <script> refused: it could read what is typed and send it (serve it from the page's origin)",
        });
    }
  });
  if (refused.length > 0) throw new LandingError(refused.sort((a, b) => a.line - b.line || a.column - b.column));
  if (!hasNoindex(tokens)) {
    const offset = noindexOffset(tokens);
    edits.push({ start: offset, end: offset, text: NOINDEX });
    warnings.push({ ...at(offset), message: `${NOINDEX} added: lures are never indexed` });
  }
  return { html: splice(html, edits), warnings: warnings.sort((a, b) => a.line - b.line || a.column - b.column) };
}

/**
 * Why an attribute would run a script, or undefined. URLs are judged as the browser reads them:
 * character references decoded (`&#106;avascript:`, `&colon;`), tabs and line breaks dropped
 * (`java\tscript:`), any case.
 */
function scriptInAttribute(attribute: HtmlAttribute): string | undefined {
  if (attribute.name.startsWith('on')) return 'no script runs on a landing page (an event handler)';
  if (attribute.name === 'srcdoc') return 'an inline frame document could read what is typed';
  if (!URL_ATTRIBUTES.has(attribute.name)) return undefined;
  const url = decodeReferences(attribute.value).replace(URL_IGNORED, '').toLowerCase();
  return /(^|;)(javascript|vbscript):/.test(url) ? 'no script runs on a landing page (a script URL)' : undefined;
}

/** Numeric character references and the named ones that can hide a scheme, decoded. */
function decodeReferences(value: string): string {
  return value
    .replace(/&#x([0-9a-f]+);?/gi, (_, hex: string) => String.fromCodePoint(Math.min(parseInt(hex, 16), 0x10ffff)))
    .replace(/&#(\d+);?/g, (_, digits: string) => String.fromCodePoint(Math.min(Number(digits), 0x10ffff)))
    .replace(/&colon;/gi, ':')
    .replace(/&(tab|newline);/gi, '')
    .replace(/&semi;/gi, ';');
}

function why(attribute: string): string {
  return attribute === 'name' ? 'field values never leave the browser' : 'forms post to the tracking action only';
}

/** The tag without `removed`, with `added` before its end. */
function rebuild(html: string, token: HtmlToken & { type: 'tag' }, removed: readonly HtmlAttribute[], added: string): string {
  const nameEnd = token.start + 1 + token.name.length;
  const kept = token.attributes
    .filter((attribute) => !removed.includes(attribute))
    .map((attribute) => ` ${attributeText(html, attribute)}`);
  return `${html.slice(token.start, nameEnd)}${kept.join('')}${added}${token.selfClosing ? ' />' : '>'}`;
}

/**
 * An attribute rewritten `name="value"`, whatever its quoting was, so that nothing around it
 * can be read into it once neighbours are removed or added: `a=` before ` action="…"` would take
 * it as its value, `name/="…"` would become `name ="…"`, a quote never closed would swallow the
 * rest, and a valueless `a` before an attribute named `=…` would take it as its value (`a=""`
 * means the same as `a`). The value is kept as written (entities untouched), only `"` encoded.
 */
function attributeText(html: string, attribute: HtmlAttribute): string {
  const name = html.slice(attribute.start, attribute.start + attribute.name.length);
  return `${name}="${attribute.value.replace(/"/g, '&quot;')}"`;
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
