import { afterEach, describe, expect, it } from 'vitest';
import { proxyDown } from '../../src/faults/proxy/down.js';
import { connectError } from '../proxy/helpers.js';
import { ProxyFaultLab, expectEcho } from './proxy-lab.js';

const lab = new ProxyFaultLab();
afterEach(async () => {
  await lab.cleanup();
});

describe('proxy-down', () => {
  it('closes open connections and refuses new ones; reverted, the same port carries traffic again', async () => {
    const { port, target } = await lab.link(await lab.echo());
    const open = await lab.connect(port);
    await expectEcho(open);
    const ctx = lab.context(proxyDown, {}, target);

    const state = await proxyDown.inject(ctx);
    expect(state).toEqual({ proxy: 'link' });
    await open.gone();
    expect(await connectError(port)).toBe('ECONNREFUSED');
    expect(await proxyDown.verify(ctx, state)).toEqual({ ok: false, detail: 'proxy link is still down' });

    await proxyDown.revert(ctx, state);
    await expectEcho(await lab.connect(port));
    expect(await proxyDown.verify(ctx, state)).toEqual({ ok: true, detail: `proxy link is up again on 127.0.0.1:${port}` });
  });

  it('brings the link up again when the state was lost (crash recovery)', async () => {
    const { port, target } = await lab.link(await lab.echo());
    const ctx = lab.context(proxyDown, {}, target);
    await proxyDown.inject(ctx);
    expect(await connectError(port)).toBe('ECONNREFUSED');

    await proxyDown.revert(ctx, undefined);
    await expectEcho(await lab.connect(port));
    expect((await proxyDown.verify(ctx, undefined)).ok).toBe(true);
  });
});
