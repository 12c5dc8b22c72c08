import { z } from 'zod';
import type { ProbeOutput, ProbeType } from '../engine/probe.js';
import { httpRequest } from './http-request.js';
import { duration } from './params.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export const httpParams = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).describe('The URL to request (http:// or https://).'),
  method: z.enum(METHODS).default('GET').describe('HTTP method (default GET).'),
  headers: z.record(z.string(), z.string()).optional().describe('Request headers, name: value.'),
  body: z
    .union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())])
    .optional()
    .describe('Request body: a string sent as is, or an object/list sent as JSON (content-type: application/json unless set).'),
  timeout: duration('5s', 'Time allowed for the whole exchange: connect, headers and body'),
  verifyTls: z
    .boolean()
    .default(true)
    .describe('Verify the server certificate for https:// (default true). false accepts self-signed certificates.'),
  maxBodyBytes: z
    .int()
    .min(0)
    .default(1_048_576)
    .describe('Response body bytes kept in the output (default 1 MiB); a longer body is cut off and `truncated` is true.'),
});
export type HttpParams = z.output<typeof httpParams>;

/** Parsing only bodies that look like JSON keeps large HTML pages from paying for a failed parse. */
const LOOKS_JSON = /^\s*[[{]/;
const JSON_TYPE = /[/+]json\b/i;

export const httpProbe: ProbeType<HttpParams> = {
  name: 'http',
  summary: 'Sends one HTTP(S) request and reports status, headers, body, parsed JSON and latency.',
  params: httpParams,
  fields: ['status', 'latencyMs', 'body', 'json', 'headers', 'bytes', 'truncated'],
  defaultField: 'status',
  defaultTolerance: { status: { between: [200, 399] } },

  async run(params, ctx) {
    const headers: Record<string, string> = { ...params.headers };
    let body: string | undefined;
    if (typeof params.body === 'string') body = params.body;
    else if (params.body !== undefined) {
      body = JSON.stringify(params.body);
      if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
    }
    if (body !== undefined && !hasHeader(headers, 'content-length')) headers['content-length'] = String(Buffer.byteLength(body));
    const response = await httpRequest({
      url: new URL(params.url),
      method: params.method,
      headers,
      body,
      timeoutMs: params.timeout,
      verifyTls: params.verifyTls,
      maxBodyBytes: params.maxBodyBytes,
      signal: ctx.signal,
      agent: false,
    });
    const text = response.body.toString('utf8');
    const output: ProbeOutput = {
      status: response.status,
      latencyMs: response.latencyMs,
      body: text,
      headers: { ...response.headers },
      bytes: response.bytes,
      truncated: response.truncated,
    };
    const contentType = response.headers['content-type'] ?? '';
    if (!response.truncated && (JSON_TYPE.test(contentType) || LOOKS_JSON.test(text))) {
      try {
        output.json = JSON.parse(text) as unknown;
      } catch {
        // Not JSON after all: `json` stays absent and jsonPath tolerances say so.
      }
    }
    return output;
  },
};

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}
