import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';

/**
 * `count` distinct free ports of 127.0.0.1: all are bound at once (so none is handed out
 * twice), then released for the shop's servers to take a moment later.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((server) => (server.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}
