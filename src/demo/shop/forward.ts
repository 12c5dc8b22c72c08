import http from 'node:http';
import type { Upstream } from './upstream-pool.js';

export interface ForwardRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType?: string;
  readonly body: Buffer;
}

export interface ForwardResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

/**
 * One try of a request on one upstream, bounded by `timeoutMs` from start to the last byte of
 * the answer. On timeout the connection is destroyed (never returned to the keep-alive pool).
 */
export function forwardOnce(upstream: Upstream, request: ForwardRequest, timeoutMs: number): Promise<ForwardResponse> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { 'content-length': request.body.length };
    if (request.contentType) headers['content-type'] = request.contentType;
    const req = http.request(
      { host: upstream.host, port: upstream.port, method: request.method, path: request.path, headers, agent: upstream.agent },
      (res) => {
        const chunks: Buffer[] = [];
        let complete = false;
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('end', () => {
          complete = true;
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 502,
            contentType: res.headers['content-type'] ?? 'application/octet-stream',
            body: Buffer.concat(chunks),
          });
        });
        res.once('error', fail);
        res.once('close', () => {
          if (!complete) fail(new Error('the answer was cut off'));
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    function fail(error: Error): void {
      clearTimeout(timer);
      reject(error);
    }
    req.once('error', fail);
    req.end(request.body);
  });
}
