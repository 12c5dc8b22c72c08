import { afterEach, describe, expect, it } from 'vitest';
import { proxySlicer } from '../../src/faults/proxy/slicer.js';
import { ProxyFaultLab, timedBlock } from './proxy-lab.js';

const lab = new ProxyFaultLab();
afterEach(async () => {
  await lab.cleanup();
});

describe('proxy-slicer', () => {
  it('delivers a block intact in many small reads while injected; reverted, in one or a few', async () => {
    const block = Buffer.from(Array.from({ length: 400 }, (_, i) => i % 251));
    const { port, target } = await lab.link(await lab.blockServer(block));
    const client = await lab.connect(port);
    const ctx = lab.context(proxySlicer, { averageSize: 10, sizeVariation: 0, delay: 10 }, target);

    const state = await proxySlicer.inject(ctx);
    // 40 slices of 10 bytes, 10 ms apart: 39 pauses. Reads may merge a few slices, never most.
    expect(await timedBlock(client, block)).toBeGreaterThanOrEqual(380);
    expect(client.reads).toBeGreaterThanOrEqual(20);
    expect(await proxySlicer.verify(ctx, state)).toMatchObject({ ok: false });

    await proxySlicer.revert(ctx, state);
    const before = client.reads;
    await timedBlock(client, block);
    expect(client.reads - before).toBeLessThanOrEqual(3);
    expect(await proxySlicer.verify(ctx, state)).toMatchObject({ ok: true });
  });
});
