import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePorts } from '../../../src/demo/shop/ports.js';

describe("the shop's ports", () => {
  it('are distinct, free, and outside the range the kernel takes source ports from', async () => {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    const ports = await freePorts(30);
    expect(new Set(ports).size).toBe(30);
    for (const port of ports) expect(port < (low ?? 0) || port > (high ?? 0), `port ${port}`).toBe(true);
    // Every one can be listened on right away.
    const servers = await Promise.all(
      ports.map(
        (port) =>
          new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
            const server = createServer().once('error', reject);
            server.listen(port, '127.0.0.1', () => resolve(server));
          }),
      ),
    );
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });
});
