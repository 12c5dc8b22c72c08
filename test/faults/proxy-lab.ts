import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { expect } from 'vitest';
import { faultTag } from '../../src/engine/fault.js';
import type { FaultContext, FaultState, FaultType } from '../../src/engine/fault.js';
import type { ProxyTarget } from '../../src/engine/target.js';
import type { Peer } from '../proxy/helpers.js';
import { Lab } from '../proxy/helpers.js';

/**
 * Proxy faults through their own inject/revert/verify, over a real ProxyRegistry with real
 * sockets on 127.0.0.1: a proxy `link` in front of an upstream, and the context the executor
 * gives a fault aimed at it. `cleanup()` (afterEach) closes the registry, servers and sockets.
 */
export class ProxyFaultLab extends Lab {
  /** The proxy `link` in front of 127.0.0.1:`upstreamPort`: the port clients use, and the fault's target. */
  async link(upstreamPort: number): Promise<{ port: number; target: ProxyTarget }> {
    const port = await this.proxy(upstreamPort, 'link');
    const info = this.proxies.get('link');
    if (!info) throw new Error('proxy link was not created');
    return { port, target: { kind: 'proxy', name: info.name, listen: info.address, upstream: info.upstream } };
  }

  /** The context of one fault: validated params, a fresh tag, this lab's proxies. */
  context<P, S extends FaultState>(type: FaultType<P, S>, params: unknown, target: ProxyTarget): FaultContext<P> {
    const runId = `t${randomUUID().slice(0, 8)}`;
    return {
      runId,
      faultId: 'f1',
      tag: faultTag(runId, 'f1'),
      target,
      params: type.params.parse(params),
      // Proxy faults write no files.
      workDir: tmpdir(),
      signal: new AbortController().signal,
      proxies: this.proxies,
    };
  }

  /** An upstream that answers every chunk it reads with `block`. */
  blockServer(block: Buffer): Promise<number> {
    return this.server((socket) => socket.on('data', () => socket.write(block)));
  }
}

/** Sends a random payload and expects it back intact. */
export async function expectEcho(client: Peer): Promise<void> {
  const payload = randomBytes(1000);
  client.socket.write(payload);
  expect((await client.take(payload.length)).equals(payload)).toBe(true);
}

/**
 * Asks a block server for its block once more: the milliseconds until all of it arrived intact.
 * Fails at once if the connection ends first (a half-open client socket would otherwise wait).
 */
export async function timedBlock(client: Peer, block: Buffer): Promise<number> {
  const start = performance.now();
  let done = false;
  const endedFirst = client.gone().then(() => {
    if (!done) throw new Error(`the connection ended with ${client.pending().length} of ${block.length} bytes`);
  });
  client.socket.write('go');
  try {
    const received = await Promise.race([client.take(block.length), endedFirst.then(() => Buffer.alloc(0))]);
    expect(received.equals(block)).toBe(true);
  } finally {
    done = true;
  }
  return performance.now() - start;
}
