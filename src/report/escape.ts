/**
 * Escaping for every format the reports write. Journal strings come from experiment files,
 * probe outputs and error messages — anything at all — so nothing reaches a page unescaped.
 */

/** What reports print: text and numbers; null and undefined print as nothing. */
export type Plain = string | number | boolean | null | undefined;

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text and attribute values (always double-quoted) in HTML and XML. */
export function escapeHtml(value: Plain): string {
  return wellFormed(String(value ?? '')).replace(/[&<>"']/g, (c) => HTML[c] as string);
}

/**
 * XML 1.0 cannot hold most control characters even as references, nor lone surrogates: a
 * JUnit file with one would not parse at all, so they become U+FFFD.
 */
export function escapeXml(value: Plain): string {
  // eslint-disable-next-line no-control-regex -- these control characters are exactly what XML forbids
  return escapeHtml(value).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd');
}

/** Lone surrogates (half of an emoji cut by a byte limit) would make invalid UTF-8. */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/**
 * JSON inside `<script type="application/json">`: `<`, `>` and `&` as \u escapes so that no
 * string can close the element (`</script>`) or open a comment; U+2028/2029 for old parsers.
 */
export function jsonForScript(value: unknown): string {
  return wellFormed(JSON.stringify(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Text in a Markdown table cell or paragraph, escaped the Markdown way (backslashes, never
 * HTML entities, which plain-text readers of the file would see): markup characters, a `<`
 * that could open raw HTML or an autolink, an `&` that would spell an entity, a `>` that would
 * start a quote; line breaks would end the row.
 */
export function escapeMarkdown(value: Plain): string {
  return wellFormed(String(value ?? ''))
    .replace(/[\\`*_[\]|#<]/g, (c) => `\\${c}`)
    .replace(/&(?=#?[A-Za-z0-9]+;)/g, '\\&')
    .replace(/^(\s*)>/, '$1\\>')
    .replace(/\r?\n/g, ' ');
}
