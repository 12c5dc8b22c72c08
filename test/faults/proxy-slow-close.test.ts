import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { proxySlowClose } from '../../src/faults/proxy/slow-close.js';
import { ProxyFaultLab } from './proxy-lab.js';

const lab = new ProxyFaultLab();
afterEach(async () => {
  await lab.cleanup();
});

const DELAY_MS = 500;

describe('proxy-slow-close', () => {
  it('holds the close at least the delay after the upstream closed; reverted, the close comes through at once', async () => {
    let upstreamClosedAt = 0;
    const upstream = await lab.server((socket) =>
      socket.once('data', () => {
        upstreamClosedAt = performance.now();
        socket.end('bye');
      }),
    );
    const { port, target } = await lab.link(upstream);
    /** A connection whose upstream says `bye` and closes: ms from that close to the client's FIN. */
    const closeTakes = async (): Promise<number> => {
      const client = await lab.connect(port);
      client.socket.write('x');
      await client.ended;
      expect(client.pending().toString()).toBe('bye');
      return performance.now() - upstreamClosedAt;
    };
    const ctx = lab.context(proxySlowClose, { delay: DELAY_MS }, target);

    const state = await proxySlowClose.inject(ctx);
    expect(await closeTakes()).toBeGreaterThanOrEqual(DELAY_MS - 10);
    expect(await proxySlowClose.verify(ctx, state)).toMatchObject({ ok: false });

    await proxySlowClose.revert(ctx, state);
    expect(await closeTakes()).toBeLessThan(DELAY_MS / 2);
    expect(await proxySlowClose.verify(ctx, state)).toMatchObject({ ok: true });
  });
});
