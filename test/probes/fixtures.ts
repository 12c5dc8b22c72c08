import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * A real HTTP server on 127.0.0.1 for probe tests. Routes:
 *   /ok            200 "ok"
 *   /json          200 application/json {"db":{"status":"up"},"items":[1,2,3]}
 *   /status/:n     status n
 *   /slow?ms=n     200 after n ms
 *   /hang          never answers (until the server closes)
 *   /big?bytes=n   200 with n bytes of "x"
 *   /echo          200 JSON {method, headers, body}
 *   /health        `state.status`, switchable by the test
 */
export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly server: http.Server | https.Server;
  readonly state: { status: number; inFlight: number; maxInFlight: number };
  connections(): Promise<number>;
  close(): Promise<void>;
}

function handler(state: TestServer['state']): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    res.on('close', () => state.inFlight--);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const status = /^\/status\/(\d+)$/.exec(url.pathname);
      if (url.pathname === '/ok') res.end('ok');
      else if (url.pathname === '/json') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ db: { status: 'up' }, items: [1, 2, 3] }));
      } else if (status) {
        res.statusCode = Number(status[1]);
        res.end(`status ${status[1]}`);
      } else if (url.pathname === '/slow') setTimeout(() => res.end('slow'), Number(url.searchParams.get('ms')));
      else if (url.pathname === '/hang') return;
      else if (url.pathname === '/big') res.end('x'.repeat(Number(url.searchParams.get('bytes'))));
      else if (url.pathname === '/echo') {
        const body = Buffer.concat(chunks).toString('utf8');
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ method: req.method, headers: req.headers, body }));
      } else if (url.pathname === '/health') {
        res.statusCode = state.status;
        res.end(String(state.status));
      } else {
        res.statusCode = 404;
        res.end('not found');
      }
    });
  };
}

export async function startServer(tls?: { key: string; cert: string }): Promise<TestServer> {
  const state = { status: 200, inFlight: 0, maxInFlight: 0 };
  const server = tls ? https.createServer(tls, handler(state)) : http.createServer(handler(state));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    server,
    state,
    connections: () => new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count)))),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on: bound, then released. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A throwaway self-signed certificate for 127.0.0.1, or the reason none could be made. */
export async function selfSignedCertificate(): Promise<{ key: string; cert: string } | { skip: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'firedrill-tls-'));
  try {
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]);
    return { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(join(dir, 'cert.pem'), 'utf8') };
  } catch (error) {
    return { skip: `openssl could not make a self-signed certificate: ${(error as Error).message}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Polls until `check` passes (returns without throwing); rethrows its last error at the deadline. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Resources of one kind this process holds (`TCPSocketWrap`: sockets of either end; `Timeout`). */
export function activeResources(kind: 'TCPSocketWrap' | 'Timeout'): number {
  return process.getActiveResourcesInfo().filter((name) => name === kind).length;
}

export const noSignal = (): AbortSignal => new AbortController().signal;
