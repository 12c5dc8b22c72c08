import { createServer } from 'node:net';
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
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address.host || undefined, port: address.port }, () => {
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
