// The servers of the proxy bench's helper processes: the echo upstream, the HTTP upstream used
// without nginx, and the node pipe — the plainest Node TCP proxy, the floor of any proxy written
// in Node.
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer } from 'node:net';
import { HOST } from '../net.mjs';

/** Echoes every byte back; holds connections open as long as the client does. */
export function echo(_args, ready) {
  const server = createServer({ noDelay: true }, (socket) => {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('error', () => socket.destroy());
  });
  server.listen(0, HOST, () => ready({ port: server.address().port }));
}

/** Without nginx: the HTTP upstream, a tiny body, keep-alive. */
export function http(_args, ready) {
  const server = createHttpServer({ keepAliveTimeout: 60_000, noDelay: true }, (_request, response) => {
    response.setHeader('content-type', 'text/plain');
    response.end('ok\n');
  });
  server.listen(0, HOST, () => ready({ port: server.address().port }));
}

/** The plainest Node TCP proxy: one listener per upstream port, pipe both ways. */
export async function pipeProxy(args, ready) {
  const ports = [];
  for (const upstreamPort of args.map(Number)) {
    // Half-open allowed: a FIN goes through on its own, the other direction keeps flowing.
    const server = createServer({ noDelay: true, allowHalfOpen: true }, (client) => {
      const upstream = connect({ host: HOST, port: upstreamPort, noDelay: true, allowHalfOpen: true });
      client.setNoDelay(true);
      client.pipe(upstream);
      upstream.pipe(client);
      const gone = () => {
        client.destroy();
        upstream.destroy();
      };
      for (const socket of [client, upstream]) {
        socket.on('error', gone);
        socket.on('close', gone);
      }
    });
    await new Promise((resolve) => server.listen(0, HOST, resolve));
    ports.push(server.address().port);
  }
  ready({ ports });
}
