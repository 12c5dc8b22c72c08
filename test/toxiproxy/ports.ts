import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';

/** A port of 127.0.0.1 that was free when asked (bound, then released): for a listen address a test names. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A port held by a real listener, and the real error a second bind of it gets. */
export interface Occupied {
  /** `127.0.0.1:<port>` */
  readonly address: string;
  /** What Node reported when the port was bound again: EADDRINUSE, with its address and port. */
  readonly error: NodeJS.ErrnoException & { address?: string; port?: number };
}

/** Ports held by real listeners, as another program would hold them; `release()` in afterEach. */
export class Ports {
  private readonly servers: Server[] = [];

  async occupy(): Promise<Occupied> {
    const holder = await this.listen(0);
    const { port } = holder.address() as AddressInfo;
    const error = await this.listen(port).then(
      () => {
        throw new Error(`port ${port} could be bound twice`);
      },
      (failure: NodeJS.ErrnoException) => failure,
    );
    return { address: `127.0.0.1:${port}`, error };
  }

  async release(): Promise<void> {
    await Promise.all(this.servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  }

  private async listen(port: number): Promise<Server> {
    const server = createServer();
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    this.servers.push(server);
    return server;
  }
}

/**
 * What Go's net.Listen reports for that bind error, as Toxiproxy answers it:
 * `listen tcp 127.0.0.1:8080: bind: address already in use`. The reason is the system's, as Node
 * reported it (`listen EADDRINUSE: address already in use 127.0.0.1:8080`).
 */
export function goListenError(error: Occupied['error']): string {
  const reason = error.message.replace(/^listen [A-Z]+: /, '').replace(/ \S+$/, '');
  return `listen tcp ${error.address ?? ''}:${error.port ?? ''}: bind: ${reason}`;
}

/** Whether something accepts connections on `host:port` (false when the connection is refused). */
export async function accepts(address: string): Promise<boolean> {
  const colon = address.lastIndexOf(':');
  const socket = connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) });
  try {
    await once(socket, 'connect');
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') return false;
    throw error;
  } finally {
    socket.destroy();
  }
}
