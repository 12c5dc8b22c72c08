import type { Server } from 'node:http';

/** Listens on 127.0.0.1 (the shop never leaves this machine); rejects when the port is taken. */
export function listen(server: Server, port: number): Promise<void> {
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Closes the server and every connection it holds, idle or not. */
export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
