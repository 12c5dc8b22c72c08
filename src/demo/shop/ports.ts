import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';

/** Where the kernel picks source ports of outgoing connections (Linux's default range). */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    // not Linux: assume its default
  }
  return [32768, 60999];
}

/**
 * `count` distinct free ports of 127.0.0.1, all bound at once (so none is handed out twice),
 * then released for the shop's servers to take a moment later. They are picked *below* the
 * ephemeral range: the shop's thousands of outgoing connections take source ports from that
 * range, and one of them could otherwise take a service's port while the service restarts.
 */
export async function freePorts(count: number): Promise<number[]> {
  const [low, high] = ephemeralRange();
  const [from, to] = low > 12_000 ? [10_000, low - 1] : [high + 1, 65_535];
  const servers: Server[] = [];
  try {
    for (let attempt = 0; servers.length < count; attempt++) {
      if (attempt > count * 20) throw new Error(`could not find ${count} free ports between ${from} and ${to} on 127.0.0.1`);
      const port = from + Math.floor(Math.random() * (to - from + 1));
      const server = await tryListen(port);
      if (server) servers.push(server);
    }
    return servers.map((server) => {
      const address = server.address();
      return typeof address === 'object' && address ? address.port : 0;
    });
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** A server listening on `port`, or undefined when the port is taken. */
function tryListen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
