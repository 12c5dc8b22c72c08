import type { IncomingMessage, ServerResponse } from 'node:http';

/** Request bodies of the shop are small JSON documents. */
const MAX_BODY_BYTES = 65_536;

export class BodyTooLarge extends Error {}

/** The whole request body; rejects past MAX_BODY_BYTES. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** `host:port` → its parts; the shop only ever uses 127.0.0.1. */
export function parseAddress(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  const port = Number(text.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`expected host:port, got "${text}"`);
  return { host: text.slice(0, at), port };
}
