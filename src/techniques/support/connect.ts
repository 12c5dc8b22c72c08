import type * as Net from 'node:net';
import { lazy } from '../../util/lazy-builtin.js';

const { createConnection } = lazy<typeof Net>('node:net');

/** Whether a TCP connection to host:port is accepted within `timeout` ms (closed at once). */
export function connects(host: string, port: number, timeout: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: host === 'localhost' ? '127.0.0.1' : host, port, timeout });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}
