// The throughput harness of the proxy bench when iperf3 is missing: a server and a client that
// move 128 KiB blocks for a number of seconds, one way or the other.
import { Buffer } from 'node:buffer';
import { connect, createServer } from 'node:net';
import { HOST } from '../net.mjs';

/** Without iperf3: first byte 'U' = the client sends (counted here), 'D' = this server sends. */
export function bulkServer(_args, ready) {
  const block = Buffer.alloc(128 * 1024, 0x63);
  const server = createServer({ noDelay: true }, (socket) => {
    let mode;
    let bytes = 0;
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      if (mode === undefined) {
        mode = String.fromCharCode(chunk[0]);
        chunk = chunk.subarray(1);
        if (mode === 'D') {
          const pump = () => {
            while (!socket.destroyed && socket.write(block));
          };
          socket.on('drain', pump);
          pump();
        }
      }
      bytes += chunk.length;
    });
    socket.on('end', () => {
      if (mode === 'U') socket.end(`${bytes}\n`);
      else socket.end();
    });
  });
  server.listen(0, HOST, () => ready({ port: server.address().port }));
}

/** Without iperf3: `U` sends for `seconds` and reads the server's count; `D` counts what arrives. */
export function bulkClient([port, mode, seconds]) {
  const durationNs = BigInt(Math.round(Number(seconds) * 1e9));
  const block = Buffer.alloc(128 * 1024, 0x64);
  const socket = connect({ host: HOST, port: Number(port), noDelay: true });
  const done = (bytes, ns) => {
    process.stdout.write(`${JSON.stringify({ bytes, bitsPerSecond: (bytes * 8) / (Number(ns) / 1e9) })}\n`);
    process.exit(0);
  };
  socket.on('error', (error) => {
    process.stderr.write(`bulk-client: ${error.message}\n`);
    process.exit(1);
  });
  socket.on('connect', () => {
    const started = process.hrtime.bigint();
    socket.write(mode);
    if (mode === 'U') {
      let reply = '';
      const pump = () => {
        while (process.hrtime.bigint() - started < durationNs) if (!socket.write(block)) return;
        socket.end();
      };
      socket.on('drain', pump);
      socket.on('data', (chunk) => (reply += chunk));
      socket.on('end', () => {
        const counted = Number(reply.trim());
        if (!(counted > 0)) {
          process.stderr.write(`bulk-client: the server counted nothing (answer ${JSON.stringify(reply)})\n`);
          process.exit(1);
        }
        done(counted, process.hrtime.bigint() - started);
      });
      pump();
    } else {
      let bytes = 0;
      let first;
      socket.on('data', (chunk) => {
        first ??= process.hrtime.bigint();
        bytes += chunk.length;
        const elapsed = process.hrtime.bigint() - first;
        if (elapsed >= durationNs) {
          socket.destroy();
          done(bytes, elapsed);
        }
      });
    }
  });
}
