import { lookup } from 'node:dns/promises';
import { createServer, isIP } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { Address } from './address.js';
import { formatAddress } from './address.js';
import { ProxyError } from './errors.js';

const REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'address not available on this host',
  ENOTFOUND: 'host does not resolve',
  EAI_AGAIN: 'host does not resolve',
};

/**
 * Binds a listener, or fails with FD_PROXY_LISTEN naming the field and leaving nothing bound.
 * Accepted sockets start paused: nothing is read before the upstream connection exists.
 */
export async function bind(address: Address, onConnection: (socket: Socket) => void): Promise<Server> {
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, onConnection);
  try {
    const host = await listenHost(address.host);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port: address.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    server.close();
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ProxyError('FD_PROXY_LISTEN', `listen: cannot listen on ${address.text}: ${REASONS[code] ?? code} (${code})`, {
      field: 'listen',
      cause: error,
    });
  }
  // Accept failures (EMFILE…) are emitted here; the listener keeps serving, the agent must not crash.
  server.on('error', () => undefined);
  return server;
}

/**
 * A host name listens on one of its addresses, an IPv4 one when it has any, as Go's net.Listen
 * does: `localhost:0` then shows `127.0.0.1:…` wherever `::1` comes first, an address the
 * Toxiproxy clients split on ':' as they do Toxiproxy's. An empty host is every interface.
 */
async function listenHost(host: string): Promise<string | undefined> {
  if (host === '' || isIP(host) !== 0) return host || undefined;
  const addresses = await lookup(host, { all: true });
  return (addresses.find((a) => a.family === 4) ?? addresses[0])?.address ?? host;
}

/** The address actually bound, with the real port when 0 was asked for. */
export function boundAddress(server: Server): { host: string; port: number; text: string } {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy listener has no TCP address');
  return { host: address.address, port: address.port, text: formatAddress(address.address, address.port) };
}

/**
 * Stops accepting at once (the port refuses connections from now on); resolves when every
 * connection it accepted is gone, which the caller brings about.
 */
export function unbind(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
