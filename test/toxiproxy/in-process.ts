import type { createToxiproxyApp } from '../../src/toxiproxy/index.js';

/** What one in-process request to the Toxiproxy API answered. */
export interface Answer {
  readonly status: number;
  readonly json: unknown;
  readonly text: string;
  readonly headers: Headers;
  readonly type: string | null;
}

/** One request through `app.request()` (no socket); the body is JSON unless a string is given. */
export async function callApp(
  app: ReturnType<typeof createToxiproxyApp>,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await app.request(path, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers, type: response.headers.get('content-type') };
}
