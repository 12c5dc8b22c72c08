import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * JSON as Go's encoding/json writes it (Toxiproxy's every body): compact, with `<`, `>`, `&`,
 * U+2028 and U+2029 escaped as \uXXXX.
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A JSON answer, `Content-Type: application/json` as Toxiproxy's handlers set it. */
export function jsonBody(c: Context, value: unknown, status: ContentfulStatusCode = 200): Response {
  return c.body(goJson(value), status, { 'Content-Type': 'application/json' });
}

/**
 * Go's http.Error: the text and a newline, as `text/plain; charset=utf-8` with `nosniff`.
 * Toxiproxy answers its API errors through it, the text being the JSON `{"error":…,"status":…}`,
 * so their content type is text/plain, not JSON.
 */
export function goErrorBody<C extends Context>(c: C, text: string, status: ContentfulStatusCode): Response {
  return c.body(`${text}\n`, status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
}
