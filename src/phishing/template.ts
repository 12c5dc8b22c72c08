import { UserError } from '../errors.js';
import { escapeHtml, positionFinder, tokenizeHtml } from './html-tokens.js';

/**
 * Lure templates: text with `{{variable}}` placeholders, nothing else — no logic, no helpers, no
 * paths, so a template cannot reach anything the drill did not hand it. Each variable has a kind
 * that decides how its value is written:
 *
 *   text   firstName lastName email department senderName company   escaped in HTML
 *   url    link reportLink completeLink                             http(s) only, then escaped
 *   qr     qr             HTML: <img> of the code (a cid: or URL the caller gives); text: the link
 *   pixel  trackingPixel  HTML: a 1×1 <img>; text: nothing
 *
 * A template is checked when it is saved (`checkTemplate`): an unknown variable — `{{constructor}}`
 * included, the table has no prototype — and, in HTML, a variable where escaping cannot make it
 * safe (inside a tag outside a quoted attribute value, a text value as the start of a URL
 * attribute, an element-making variable inside a tag) are problems with their line and column.
 */

export type VariableKind = 'text' | 'url' | 'qr' | 'pixel';
export type TemplateContext = 'html' | 'text';

/** Every variable a template may use, with its kind and what it holds. */
export const TEMPLATE_VARIABLES: Readonly<Record<string, { kind: VariableKind; about: string }>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, { kind: VariableKind; about: string }>, {
    firstName: { kind: 'text', about: "the recipient's first name" },
    lastName: { kind: 'text', about: "the recipient's last name (may be empty)" },
    email: { kind: 'text', about: "the recipient's address" },
    department: { kind: 'text', about: "the recipient's department" },
    senderName: { kind: 'text', about: "the lure's fictional sender" },
    company: { kind: 'text', about: "the organisation's own name (never a third party's brand)" },
    link: { kind: 'url', about: "the recipient's tracked link to the landing page" },
    reportLink: { kind: 'url', about: 'the report button: "I think this is phishing"' },
    completeLink: { kind: 'url', about: "a training page's completion action" },
    qr: { kind: 'qr', about: 'the QR code carrying `link`' },
    trackingPixel: { kind: 'pixel', about: 'the open-tracking image (unreliable: many clients block images)' },
  }),
);

export interface TemplateProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export class TemplateError extends UserError {
  constructor(
    readonly problems: readonly TemplateProblem[],
    readonly where = 'template',
  ) {
    super('FD_TEMPLATE_INVALID', problems.map((problem) => `${where}:${problem.line}:${problem.column} ${problem.message}`).join('\n'));
  }
}

interface Placeholder {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

export interface CompiledTemplate {
  readonly context: TemplateContext;
  /** Literal text and placeholders, alternating as in the source. */
  readonly parts: readonly (string | Placeholder)[];
}

/** The QR code to show: `src` is `cid:…` (an attached image) or an http(s) URL. */
export interface QrImage {
  readonly src: string;
  readonly alt?: string;
}

export interface TemplateValues {
  readonly firstName?: string;
  readonly lastName?: string;
  readonly email?: string;
  readonly department?: string;
  readonly senderName?: string;
  readonly company?: string;
  readonly link?: string;
  readonly reportLink?: string;
  readonly completeLink?: string;
  readonly qr?: QrImage;
  readonly trackingPixel?: string;
}

/** 512 KiB: a rich HTML email is a few tens of KiB; mail clients clip far smaller messages. */
export const MAX_TEMPLATE_CHARS = 512 * 1024;
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'background', 'poster', 'cite', 'srcset']);

/** Every problem of a template, in source order; empty when it can be saved. */
export function checkTemplate(source: string, context: TemplateContext): TemplateProblem[] {
  if (source.length > MAX_TEMPLATE_CHARS)
    return [
      { line: 1, column: 1, message: `a template is at most ${MAX_TEMPLATE_CHARS / 1024} KiB, this one has ${source.length} characters` },
    ];
  const problems: TemplateProblem[] = [];
  const at = positionFinder(source);
  const report = (offset: number, message: string): void => void problems.push({ ...at(offset), message });
  const placeholders: Placeholder[] = [];
  for (const match of source.matchAll(PLACEHOLDER)) {
    const name = match[1] as string;
    const placeholder = { name, start: match.index, end: match.index + match[0].length };
    if (!Object.hasOwn(TEMPLATE_VARIABLES, name)) report(match.index, `unknown variable {{${name}}}${suggestion(name)}`);
    else placeholders.push(placeholder);
  }
  const stray = source.replace(PLACEHOLDER, (text) => ' '.repeat(text.length)).indexOf('{{');
  if (stray >= 0) report(stray, '"{{" without a closing "}}" (a variable is written {{name}})');
  if (context === 'html') for (const problem of htmlPlacementProblems(source, placeholders)) report(problem.offset, problem.message);
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** A checked template, ready to render; throws TemplateError naming `where` (e.g. `parcel-delivery.en.html`). */
export function compileTemplate(source: string, context: TemplateContext, where?: string): CompiledTemplate {
  const problems = checkTemplate(source, context);
  if (problems.length > 0) throw new TemplateError(problems, where);
  const parts: (string | Placeholder)[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    parts.push(source.slice(last, match.index), { name: match[1] as string, start: match.index, end: match.index + match[0].length });
    last = match.index + match[0].length;
  }
  parts.push(source.slice(last));
  return { context, parts };
}

/**
 * Writes the values in. A missing value is written empty; a `link`, `reportLink` or
 * `completeLink` that is not an http(s) URL throws (a `javascript:` link is never written).
 */
export function renderTemplate(template: CompiledTemplate, values: TemplateValues): string {
  return template.parts.map((part) => (typeof part === 'string' ? part : renderValue(part.name, values, template.context))).join('');
}

/** The example recipient previews use when none is given. */
export const SAMPLE_VALUES: TemplateValues = {
  firstName: 'Camille',
  lastName: 'Martin',
  email: 'camille.martin@example.org',
  department: 'Finance',
  senderName: 'IT Service Desk',
  company: 'Example Corp',
  link: 'https://drills.example.org/l/preview',
  reportLink: 'https://drills.example.org/r/preview',
  completeLink: 'https://drills.example.org/t/preview',
  qr: { src: 'https://drills.example.org/q/preview.png', alt: 'QR code' },
  trackingPixel: 'https://drills.example.org/o/preview.gif',
};

/** A template as a recipient would see it: the sample's values over SAMPLE_VALUES. */
export function preview(template: CompiledTemplate, sample: TemplateValues = {}): string {
  return renderTemplate(template, { ...SAMPLE_VALUES, ...sample });
}

function renderValue(name: string, values: TemplateValues, context: TemplateContext): string {
  const variable = TEMPLATE_VARIABLES[name];
  const value = Object.hasOwn(values, name) ? (values as Record<string, unknown>)[name] : undefined;
  if (variable === undefined || value === undefined) return '';
  if (variable.kind === 'qr') {
    const qr = value as QrImage;
    if (context === 'text') return values.link === undefined ? '' : safeUrl('link', values.link);
    const src = /^cid:[^\s"'<>]+$/i.test(qr.src) ? qr.src : safeUrl('qr.src', qr.src);
    return `<img src="${escapeHtml(src)}" alt="${escapeHtml(qr.alt ?? 'QR code')}" width="200" height="200">`;
  }
  const text = typeof value === 'string' ? value : '';
  if (variable.kind === 'text') return context === 'html' ? escapeHtml(text) : text;
  if (variable.kind === 'url') return context === 'html' ? escapeHtml(safeUrl(name, text)) : safeUrl(name, text);
  if (context === 'text') return ''; // a tracking pixel has no text form
  return `<img src="${escapeHtml(safeUrl(name, text))}" width="1" height="1" alt="" style="display:none">`;
}

/** The URL unchanged when it is http(s); throws otherwise, naming the variable. */
function safeUrl(name: string, value: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:'))
    throw new UserError('FD_TEMPLATE_URL', `${name}: only http(s) URLs are written into a lure, got ${JSON.stringify(value.slice(0, 80))}`);
  return value;
}

/** Where in HTML a value could escape its escaping, as offsets and reasons. */
function htmlPlacementProblems(source: string, placeholders: readonly Placeholder[]): { offset: number; message: string }[] {
  const problems: { offset: number; message: string }[] = [];
  const tokens = tokenizeHtml(source);
  for (const placeholder of placeholders) {
    const index = tokens.findIndex((candidate) => candidate.start <= placeholder.start && placeholder.start < candidate.end);
    const token = tokens[index];
    const before = tokens[index - 1];
    if (token?.type === 'text' && before?.type === 'tag' && !before.closing && (before.name === 'script' || before.name === 'style'))
      problems.push({ offset: placeholder.start, message: `{{${placeholder.name}}} may not be written into <${before.name}>` });
    if (token === undefined || token.type !== 'tag') continue;
    const kind = (TEMPLATE_VARIABLES[placeholder.name] as { kind: VariableKind }).kind;
    const attribute = token.attributes.find(
      (candidate) => candidate.valueStart <= placeholder.start && placeholder.end <= candidate.valueEnd,
    );
    if (kind === 'qr' || kind === 'pixel')
      problems.push({
        offset: placeholder.start,
        message: `{{${placeholder.name}}} makes an element: place it between tags, not inside one`,
      });
    else if (attribute === undefined || attribute.quote === '')
      problems.push({ offset: placeholder.start, message: `{{${placeholder.name}}} inside a tag must be in a quoted attribute value` });
    else if (attribute.name.startsWith('on') || attribute.name === 'style')
      problems.push({ offset: placeholder.start, message: `{{${placeholder.name}}} may not be written into ${attribute.name}=` });
    else if (URL_ATTRIBUTES.has(attribute.name) && kind !== 'url' && placeholder.start === attribute.valueStart)
      problems.push({
        offset: placeholder.start,
        message: `${attribute.name}= must start with a link variable (link, reportLink, completeLink)`,
      });
  }
  return problems;
}

function suggestion(name: string): string {
  const lower = name.toLowerCase();
  const near = Object.keys(TEMPLATE_VARIABLES).find((known) => known.toLowerCase() === lower);
  return near ? ` (did you mean {{${near}}}?)` : ` (known: ${Object.keys(TEMPLATE_VARIABLES).join(', ')})`;
}
