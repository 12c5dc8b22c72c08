import http from 'node:http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { FiredrillError, errorMessage } from '../errors.js';
import { formatDuration } from '../util/duration.js';
import { roundMs } from './params.js';

export interface HttpRequestOptions {
  readonly url: URL;
  readonly method: string;
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: string;
  /** Bounds the whole exchange: connect, headers and body. */
  readonly timeoutMs: number;
  readonly verifyTls: boolean;
  /** Body bytes kept; past this the response is cut off (`truncated`) and its socket dropped. */
  readonly maxBodyBytes: number;
  readonly signal?: AbortSignal;
  /** false: a fresh connection closed after the response (one-shot probes). */
  readonly agent: http.Agent | false;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Body bytes received; the full size unless `truncated`, when it is a lower bound. */
  readonly bytes: number;
  readonly truncated: boolean;
  readonly latencyMs: number;
}

/**
 * One HTTP exchange on node:http/https, so TLS verification can be switched per request.
 * Rejects with a FiredrillError (code FD_PROBE_HTTP) whose message is node's own where that is
 * already clear (`connect ECONNREFUSED 127.0.0.1:8080`), the original error as `cause`.
 */
export function httpRequest(options: HttpRequestOptions): Promise<HttpResponse> {
  const { url, method, signal, maxBodyBytes } = options;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let settled = false;
    const settle = (error: Error | undefined, response?: HttpResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        req.destroy();
        reject(error);
      } else resolve(response as HttpResponse);
    };
    const fail = (message: string, cause?: unknown): void => settle(new FiredrillError('FD_PROBE_HTTP', message, { cause }));
    const onAbort = (): void => fail(`${method} ${url.href} aborted: ${errorMessage(signal?.reason)}`, signal?.reason);

    // node:https (TLS) is loaded only by probes of https URLs: it costs every run a few ms.
    const lib = url.protocol === 'https:' ? process.getBuiltinModule('node:https') : http;
    const req = lib.request(url, { method, headers: options.headers, agent: options.agent, rejectUnauthorized: options.verifyTls });
    req.on('error', (error) => fail(describeError(error), error));
    const timer = setTimeout(() => fail(`${method} ${url.href} timed out after ${formatDuration(options.timeoutMs)}`), options.timeoutMs);
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      let kept = 0;
      const done = (truncated: boolean): void => {
        const latencyMs = roundMs(performance.now() - started);
        settle(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), bytes, truncated, latencyMs });
      };
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        const part = chunk.subarray(0, Math.max(0, maxBodyBytes - kept));
        if (part.length > 0) chunks.push(part);
        kept += part.length;
        if (bytes > maxBodyBytes) {
          done(true);
          res.destroy();
        }
      });
      res.on('end', () => done(false));
      res.on('error', (error) => fail(describeError(error), error));
      // A connection closed mid-body ends with 'close' and no 'end'.
      res.on('close', () => fail(`${method} ${url.href}: connection closed before the response ended`));
    });
    req.end(options.body);
  });
}

function describeError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  // Certificate failures read like "self-signed certificate": say what to do about it.
  if (/CERT|SIGNATURE|ALTNAME/.test(code)) return `${error.message} (TLS verification failed; set verifyTls: false to accept it)`;
  return error.message;
}
