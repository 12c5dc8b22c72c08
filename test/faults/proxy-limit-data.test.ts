import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { proxyLimitData } from '../../src/faults/proxy/limit-data.js';
import { ProxyFaultLab, timedBlock } from './proxy-lab.js';

const lab = new ProxyFaultLab();
afterEach(async () => {
  await lab.cleanup();
});

describe('proxy-limit-data', () => {
  it('closes a connection after exactly `bytes` bytes; reverted, a connection carries all of it and more', async () => {
    const block = randomBytes(5000);
    const { port, target } = await lab.link(await lab.blockServer(block));
    const ctx = lab.context(proxyLimitData, { bytes: 1000 }, target);

    const state = await proxyLimitData.inject(ctx);
    const limited = await lab.connect(port);
    limited.socket.write('go');
    await limited.gone();
    expect(limited.total).toBe(1000);
    expect(limited.pending().equals(block.subarray(0, 1000))).toBe(true);
    expect(await proxyLimitData.verify(ctx, state)).toMatchObject({ ok: false });

    await proxyLimitData.revert(ctx, state);
    const free = await lab.connect(port);
    await timedBlock(free, block);
    await timedBlock(free, block);
    expect(free.isClosed).toBe(false);
    expect(await proxyLimitData.verify(ctx, state)).toMatchObject({ ok: true });
  });
});
