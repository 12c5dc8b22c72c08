import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import { UserError } from '../errors.js';

export interface ListenOptions {
  readonly host: string;
  /** 0: any free port (the real one is in the url). */
  readonly port: number;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly insecure?: boolean;
}

export interface ResolvedListen {
  readonly host: string;
  readonly port: number;
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** Said on stderr when the agent listens in clear beyond loopback (`insecure`). */
  readonly warning?: string;
}

/** Where the agent listens, checked before it touches anything: plain HTTP stays on loopback. */
export function resolveListen(options: ListenOptions): ResolvedListen {
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    throw new UserError('FD_TLS_OPTIONS', 'TLS needs both a certificate and a key (--tls-cert and --tls-key)');
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new UserError('FD_LISTEN', `port ${options.port} is not a TCP port (0 to 65535)`);
  }
  const host = options.host.replace(/^\[(.*)\]$/, '$1');
  if (options.tlsCert !== undefined && options.tlsKey !== undefined) {
    return { host, port: options.port, tls: { cert: readPem(options.tlsCert, '--tls-cert'), key: readPem(options.tlsKey, '--tls-key') } };
  }
  if (isLoopback(host)) return { host, port: options.port };
  if (!options.insecure) {
    throw new UserError(
      'FD_INSECURE_LISTEN',
      `refusing to listen on ${options.host} without TLS: the token would cross the network in clear. Give --tls-cert and --tls-key, listen on 127.0.0.1, or pass --insecure`,
    );
  }
  return {
    host,
    port: options.port,
    warning: `listening on ${host} without TLS (--insecure): the token and every request cross the network in clear`,
  };
}

function readPem(file: string, option: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UserError('FD_TLS_OPTIONS', `${option} ${file}: ${(error as Error).message}`);
  }
}

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost' || bare === '::1') return true;
  const v4 = bare.replace(/^::ffff:/i, '');
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** The app's server, not yet listening: https when given a certificate. */
export function createAgentServer(app: Hono, tls: ResolvedListen['tls']): Server {
  return createAdaptorServer({
    fetch: app.fetch,
    ...(tls && { createServer: createHttpsServer, serverOptions: { cert: tls.cert, key: tls.key } }),
  }) as Server; // http or https: both are net servers with closeAllConnections
}

/** Serves the app and resolves once it listens. */
export async function listen(app: Hono, options: ResolvedListen): Promise<{ server: Server; url: string }> {
  const { host, tls } = options;
  const server = createAgentServer(app, tls);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = isIP(host) === 6 ? `[${host}]` : host;
  return { server, url: `${tls ? 'https' : 'http'}://${shown}:${port}` };
}

/** Stops listening and ends kept-alive connections (a client's lease renewals would hold it open). */
export async function stopListening(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

/** The Toxiproxy API has no token: it stays on loopback unless told otherwise. */
export function resolveToxiproxyListen(where: { host: string; port: number }, insecure: boolean): ResolvedListen {
  if (!isLoopback(where.host) && !insecure) {
    throw new UserError(
      'FD_INSECURE_LISTEN',
      `refusing to serve the Toxiproxy API on ${where.host}: it has no authentication (like Toxiproxy's). Use 127.0.0.1, or pass --insecure`,
    );
  }
  return { host: where.host.replace(/^\[(.*)\]$/, '$1'), port: where.port };
}
