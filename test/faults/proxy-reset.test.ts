import { afterEach, describe, expect, it } from 'vitest';
import { proxyReset } from '../../src/faults/proxy/reset.js';
import { sleep } from '../proxy/helpers.js';
import { ProxyFaultLab, expectEcho } from './proxy-lab.js';

const lab = new ProxyFaultLab();
afterEach(async () => {
  await lab.cleanup();
});

describe('proxy-reset', () => {
  it('resets open and new connections (ECONNRESET); reverted, a new connection carries data and stays open', async () => {
    const { port, target } = await lab.link(await lab.echo());
    const open = await lab.connect(port);
    await expectEcho(open);
    const ctx = lab.context(proxyReset, {}, target);

    const state = await proxyReset.inject(ctx);
    expect((await open.closed)?.code).toBe('ECONNRESET');
    const fresh = await lab.connect(port);
    expect((await fresh.closed)?.code).toBe('ECONNRESET');
    expect(await proxyReset.verify(ctx, state)).toMatchObject({ ok: false });

    await proxyReset.revert(ctx, state);
    const after = await lab.connect(port);
    await expectEcho(after);
    // With a delay of 0 the reset would have come at the next turn of the timers.
    await sleep(100);
    expect(after.isClosed).toBe(false);
    await expectEcho(after);
    expect(await proxyReset.verify(ctx, state)).toMatchObject({ ok: true });
  });
});
