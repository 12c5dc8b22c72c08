/**
 * A small HTML tokenizer for the two places that must understand markup without a parser
 * dependency: template checks (is this `{{variable}}` inside a tag, in which attribute?) and
 * landing-page sanitising (which form fields carry a `name`?).
 *
 *   text │ comment/doctype │ tag { name, attributes[{ name, value, quote, offsets }] }
 *
 * It follows the HTML tokenizer where it matters here: tag and attribute names are
 * case-insensitive (kept lower-cased in `name`, as written in the source), values may be
 * double-, single- or un-quoted, a `name=` inside another attribute's value is part of that
 * value, comments end where browsers end them (`<!-->` included), and the content of script,
 * style, textarea and title is raw text up to its end tag. Inside <svg> or <math> browsers read
 * style and script as markup instead; sanitising refuses that ambiguity (landing.ts).
 * Offsets are into the source so callers rewrite it by splicing, leaving the rest untouched.
 */

export interface HtmlAttribute {
  /** Lower-cased. */
  readonly name: string;
  readonly value: string;
  readonly quote: '"' | "'" | '';
  /** From the first character of the name to the end of the value. */
  readonly start: number;
  readonly end: number;
  /** The value's characters, inside the quotes (equal to `end` when there is no value). */
  readonly valueStart: number;
  readonly valueEnd: number;
}

export type HtmlToken =
  | { readonly type: 'text'; readonly start: number; readonly end: number }
  | { readonly type: 'comment'; readonly start: number; readonly end: number }
  | {
      readonly type: 'tag';
      /** Lower-cased. */
      readonly name: string;
      readonly closing: boolean;
      readonly selfClosing: boolean;
      readonly attributes: readonly HtmlAttribute[];
      readonly start: number;
      readonly end: number;
    };

const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title']);
const SPACE = /[\t\n\f\r ]/;

export function tokenizeHtml(source: string): HtmlToken[] {
  const tokens: HtmlToken[] = [];
  let index = 0;
  let textStart = 0;
  const flushText = (end: number): void => {
    if (end > textStart) tokens.push({ type: 'text', start: textStart, end });
  };
  while (index < source.length) {
    const open = source.indexOf('<', index);
    if (open < 0) break;
    const next = source[open + 1] ?? '';
    if (source.startsWith('<!--', open)) {
      flushText(open);
      const end = commentEnd(source, open);
      tokens.push({ type: 'comment', start: open, end });
      index = textStart = end;
    } else if (next === '!' || next === '?') {
      flushText(open);
      const close = source.indexOf('>', open);
      const end = close < 0 ? source.length : close + 1;
      tokens.push({ type: 'comment', start: open, end });
      index = textStart = end;
    } else if (/[A-Za-z]/.test(next) || (next === '/' && /[A-Za-z]/.test(source[open + 2] ?? ''))) {
      flushText(open);
      const tag = readTag(source, open);
      tokens.push(tag);
      index = textStart = tag.end;
      if (tag.type === 'tag' && !tag.closing && RAW_TEXT.has(tag.name)) {
        const close = source.toLowerCase().indexOf(`</${tag.name}`, index);
        index = close < 0 ? source.length : close;
        flushText(index);
        textStart = index;
      }
    } else index = open + 1;
  }
  flushText(source.length);
  return tokens;
}

/**
 * Where a comment opened at `open` ends, as browsers see it: `<!-->` and `<!--->` end at once,
 * otherwise the first `-->` or `--!>`. Ending later than a browser would hide real tags.
 */
function commentEnd(source: string, open: number): number {
  if (source[open + 4] === '>') return open + 5;
  if (source.startsWith('->', open + 4)) return open + 6;
  const ends = [source.indexOf('-->', open + 4), source.indexOf('--!>', open + 4)].filter((index) => index >= 0);
  if (ends.length === 0) return source.length;
  const first = Math.min(...ends);
  return first + (source.startsWith('-->', first) ? 3 : 4);
}

function readTag(source: string, start: number): HtmlToken & { type: 'tag' } {
  let index = start + 1;
  const closing = source[index] === '/';
  if (closing) index++;
  const nameStart = index;
  while (index < source.length && !SPACE.test(source[index] as string) && source[index] !== '/' && source[index] !== '>') index++;
  const name = source.slice(nameStart, index).toLowerCase();
  const attributes: HtmlAttribute[] = [];
  let selfClosing = false;
  while (index < source.length) {
    const char = source[index] as string;
    if (SPACE.test(char)) {
      index++;
      continue;
    }
    if (char === '>') {
      index++;
      return { type: 'tag', name, closing, selfClosing, attributes, start, end: index };
    }
    if (char === '/') {
      selfClosing = source[index + 1] === '>';
      index++;
      continue;
    }
    selfClosing = false;
    const attribute = readAttribute(source, index);
    attributes.push(attribute);
    index = attribute.end;
  }
  return { type: 'tag', name, closing, selfClosing, attributes, start, end: source.length };
}

function readAttribute(source: string, start: number): HtmlAttribute {
  let index = start + 1; // the first character belongs to the name, even `=` (as in HTML)
  while (index < source.length && !/[\t\n\f\r />=]/.test(source[index] as string)) index++;
  const name = source.slice(start, index).toLowerCase();
  let after = index;
  while (after < source.length && SPACE.test(source[after] as string)) after++;
  if (source[after] !== '=') return { name, value: '', quote: '', start, end: index, valueStart: index, valueEnd: index };
  after++;
  while (after < source.length && SPACE.test(source[after] as string)) after++;
  const quote = source[after];
  if (quote === '"' || quote === "'") {
    const close = source.indexOf(quote, after + 1);
    const valueEnd = close < 0 ? source.length : close;
    const end = close < 0 ? source.length : close + 1;
    return { name, value: source.slice(after + 1, valueEnd), quote, start, end, valueStart: after + 1, valueEnd };
  }
  let end = after;
  while (end < source.length && !SPACE.test(source[end] as string) && source[end] !== '>') end++;
  return { name, value: source.slice(after, end), quote: '', start, end, valueStart: after, valueEnd: end };
}

/** 1-based line and column of each offset, found by binary search over the line starts. */
export function positionFinder(source: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === '\n') starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if ((starts[middle] as number) <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - (starts[low] as number) + 1 };
  };
}

/** Text safe in HTML content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
