import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

export interface Served {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the app on 127.0.0.1, any free port, as the agent would on its Toxiproxy port. */
export async function serveOnLoopback(app: Hono): Promise<Served> {
  const { server, port } = await new Promise<{ server: Server; port: number }>((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) =>
      resolve({ server, port: info.port }),
    ) as Server;
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // The client's fetch keeps connections alive; they would hold close() open.
      server.closeAllConnections();
      await closed;
    },
  };
}
