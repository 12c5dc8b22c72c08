// The proxy bench's network: loopback only. Free of side effects: helper processes import it.
import { connect, createServer } from 'node:net';

export const HOST = '127.0.0.1';

/** A TCP port nothing listens on right now (for servers that must be told theirs: nginx, iperf3). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Whether a connection to `port` is accepted (closed again at once). */
export function canConnect(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
