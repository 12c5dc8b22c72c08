import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { proxyBandwidth } from '../../src/faults/proxy/bandwidth.js';
import { ProxyFaultLab, timedBlock } from './proxy-lab.js';

const lab = new ProxyFaultLab();
afterEach(async () => {
  await lab.cleanup();
});

const RATE_KBPS = 50;
const BLOCK_BYTES = 40_000;
/** size / rate, less the 20 ms burst the token bucket lets through at once: 780 ms. */
const AT_LEAST_MS = (BLOCK_BYTES - RATE_KBPS * 20) / RATE_KBPS;

describe('proxy-bandwidth', () => {
  it('holds a transfer to size/rate while injected; reverted, the same transfer on the same connection is fast again', async () => {
    const block = randomBytes(BLOCK_BYTES);
    const { port, target } = await lab.link(await lab.blockServer(block));
    const client = await lab.connect(port);
    const ctx = lab.context(proxyBandwidth, { rate: RATE_KBPS }, target);

    const state = await proxyBandwidth.inject(ctx);
    expect(state).toEqual({ proxy: 'link', toxic: ctx.tag });
    expect(await timedBlock(client, block)).toBeGreaterThanOrEqual(AT_LEAST_MS - 10);
    expect(await proxyBandwidth.verify(ctx, state)).toMatchObject({ ok: false });

    await proxyBandwidth.revert(ctx, state);
    // Under half of what the rate allows: nothing holds the link back any more.
    expect(await timedBlock(client, block)).toBeLessThan(AT_LEAST_MS / 2);
    expect(await proxyBandwidth.verify(ctx, state)).toMatchObject({ ok: true });
  });
});
