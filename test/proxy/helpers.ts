import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ProxyRegistry } from '../../src/proxy/registry.js';
import type { ToxicAttributes, ToxicSpec } from '../../src/proxy/api.js';

/** A socket's incoming bytes, readable by count, with its end and close as promises. */
export class Peer {
  private readonly chunks: Buffer[] = [];
  private length = 0;
  private waiter: (() => void) | undefined;
  /** How many `data` events arrived: what a slicer is seen through. */
  reads = 0;
  total = 0;
  isClosed = false;
  readonly ended: Promise<void>;
  /** Resolves with the error the socket closed with, if any (ECONNRESET for a reset). */
  readonly closed: Promise<NodeJS.ErrnoException | undefined>;

  constructor(readonly socket: Socket) {
    let error: NodeJS.ErrnoException | undefined;
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.length += chunk.length;
      this.total += chunk.length;
      this.reads++;
      this.waiter?.();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e;
    });
    this.ended = new Promise((resolve) => socket.once('end', () => resolve()));
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.waiter?.();
        resolve(error);
      }),
    );
  }

  /** FIN or a reset: the other side is gone (a half-open client socket never 'close's by itself). */
  gone(): Promise<unknown> {
    return Promise.race([this.ended, this.closed]);
  }

  /** Waits for `count` bytes and returns them (exactly those). */
  async take(count: number): Promise<Buffer> {
    while (this.length < count) {
      if (this.isClosed) throw new Error(`socket closed with ${this.length} of ${count} bytes`);
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    this.waiter = undefined;
    const all = Buffer.concat(this.chunks);
    this.chunks.length = 0;
    if (all.length > count) this.chunks.push(all.subarray(count));
    this.length = all.length - count;
    return all.subarray(0, count);
  }

  /** Whatever has arrived and not been taken. */
  pending(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Polls `check` every 5 ms until it holds (the test's timeout bounds the wait). */
export async function until(check: () => boolean): Promise<void> {
  while (!check()) await sleep(5);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function elapsedSince(start: number): number {
  return performance.now() - start;
}

export function spec(id: string, attributes: ToxicAttributes, stream: ToxicSpec['stream'] = 'downstream', toxicity = 1): ToxicSpec {
  return { id, stream, toxicity, attributes };
}

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly remotePort: number;
  readonly body: string;
}

/** Servers, sockets and a registry for one test; `cleanup()` in afterEach closes them all. */
export class Lab {
  readonly proxies = new ProxyRegistry();
  private readonly servers: (Server | HttpServer)[] = [];
  private readonly sockets = new Set<Socket>();

  /** A TCP server on 127.0.0.1; its sockets are tracked for cleanup. */
  async server(onConnection: (socket: Socket) => void, options: { allowHalfOpen?: boolean } = {}): Promise<number> {
    const server = createServer({ allowHalfOpen: options.allowHalfOpen ?? false }, (socket) => {
      this.track(socket);
      socket.on('error', () => undefined);
      onConnection(socket);
    });
    return this.listen(server);
  }

  /** Echoes every byte back; ends when the client ends. */
  echo(): Promise<number> {
    return this.server((socket) => socket.pipe(socket));
  }

  /** An HTTP/1.1 server answering `200 upstream <path>`; records every request it sees. */
  async http(handler?: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ port: number; seen: SeenRequest[] }> {
    const seen: SeenRequest[] = [];
    const server = createHttpServer({ keepAliveTimeout: 30_000 }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          remotePort: req.socket.remotePort ?? 0,
          body: Buffer.concat(chunks).toString(),
        });
        if (handler) return handler(req, res);
        res.end(`upstream ${req.url ?? ''}`);
      });
    });
    server.on('connection', (socket: Socket) => this.track(socket));
    return { port: await this.listen(server), seen };
  }

  /** A proxy named `name` in front of 127.0.0.1:`upstreamPort`; returns the port it listens on. */
  async proxy(upstreamPort: number, name = 'p'): Promise<number> {
    const info = await this.proxies.create({ name, listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstreamPort}` });
    return Number(info.address.split(':').pop());
  }

  async connect(port: number): Promise<Peer> {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true, noDelay: true });
    this.track(socket);
    const peer = new Peer(socket);
    await once(socket, 'connect');
    return peer;
  }

  /** A port on 127.0.0.1 that nothing listens on (bound then released). */
  async closedPort(): Promise<number> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  async cleanup(): Promise<void> {
    await this.proxies.close();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await Promise.all(
      this.servers.splice(0).map(
        (server) =>
          new Promise((resolve) => {
            if ('closeAllConnections' in server) server.closeAllConnections();
            server.close(resolve);
          }),
      ),
    );
  }

  private async listen(server: Server | HttpServer): Promise<number> {
    this.servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as { port: number }).port;
  }
}

/** Connection refused (or reset) when connecting to `port`. */
export async function connectError(port: number): Promise<string | undefined> {
  const socket = connect({ host: '127.0.0.1', port });
  try {
    await once(socket, 'connect');
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  } finally {
    socket.destroy();
  }
}
