import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** An echo server on 127.0.0.1: each connection gets its bytes back, and its FIN when it sends one. */
export async function echoServer(): Promise<{ address: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // resets are what some tests are about
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A client connection to `host:port`, recording what arrives, when, and how it ended. */
export class Client {
  readonly socket: Socket;
  readonly received: Buffer[] = [];
  reads = 0;
  /** Resolves when the socket is fully closed, with its error code if it had one (ECONNRESET). */
  readonly closed: Promise<string | undefined>;
  /** Resolves at the server's FIN (or the close, whichever comes first). */
  readonly ended: Promise<void>;
  private waiter: (() => void) | undefined;

  constructor(address: string) {
    const colon = address.lastIndexOf(':');
    this.socket = connect({ host: address.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(address.slice(colon + 1)) });
    let code: string | undefined;
    this.socket.on('data', (chunk: Buffer) => {
      this.received.push(chunk);
      this.reads++;
      this.waiter?.();
    });
    this.socket.on('error', (error: NodeJS.ErrnoException) => {
      code = error.code;
    });
    this.closed = new Promise((resolve) =>
      this.socket.once('close', () => {
        this.waiter?.();
        resolve(code);
      }),
    );
    // once() rejects on the socket's error; a reset ends the connection as surely as a FIN.
    const end = once(this.socket, 'end').then(
      () => undefined,
      () => undefined,
    );
    this.ended = Promise.race([end, this.closed.then(() => undefined)]);
  }

  get total(): number {
    return this.received.reduce((sum, chunk) => sum + chunk.length, 0);
  }

  /** Waits until `count` bytes have arrived (or fails when the socket closes first). */
  async receive(count: number): Promise<Buffer> {
    while (this.total < count) {
      if (this.socket.closed) throw new Error(`closed after ${this.total} of ${count} bytes`);
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    return Buffer.concat(this.received);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Sends `payload` through `address` to the echo server and waits for all of it back; ms taken. */
export async function roundTrip(address: string, payload: Buffer = Buffer.from('ping')): Promise<number> {
  const start = performance.now();
  const client = new Client(address);
  try {
    client.socket.write(payload);
    const echoed = await client.receive(payload.length);
    if (!echoed.equals(payload)) throw new Error('the echo differs from what was sent');
    return performance.now() - start;
  } finally {
    client.destroy();
  }
}

/** Whether a connection to `address` is refused (a proxy that is down) rather than accepted. */
export async function refused(address: string): Promise<boolean> {
  const client = new Client(address);
  // once() rejects with the socket's error: a refused connect fails, an accepted one connects.
  const outcome = await once(client.socket, 'connect').then(
    () => false,
    (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED',
  );
  client.destroy();
  return outcome;
}

export const since = (start: number): number => performance.now() - start;
