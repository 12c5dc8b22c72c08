import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ToxicSpec } from '../../src/proxy/api.js';
import { ProxyError } from '../../src/proxy/errors.js';
import { UserError } from '../../src/errors.js';
import { Lab, connectError, spec } from './helpers.js';

const lab = new Lab();
afterEach(async () => {
  await lab.cleanup();
});

function thrown(action: () => unknown): ProxyError {
  try {
    action();
  } catch (error) {
    if (error instanceof ProxyError) return error;
    throw error;
  }
  throw new Error('expected a ProxyError');
}

async function rejected(action: Promise<unknown>): Promise<ProxyError> {
  try {
    await action;
  } catch (error) {
    if (error instanceof ProxyError) return error;
    throw error;
  }
  throw new Error('expected a ProxyError');
}

/** A toxic spec as an untyped API body would bring it. */
const raw = (value: unknown) => value as ToxicSpec;

describe('bad input to the proxy manager', () => {
  it('rejects an unknown toxic type, naming attributes.type, and adds nothing', async () => {
    await lab.proxy(await lab.echo());
    const before = lab.proxies.list();
    const error = thrown(() =>
      lab.proxies.addToxic('p', raw({ id: 't', stream: 'downstream', toxicity: 1, attributes: { type: 'latencyy', latencyMs: 5 } })),
    );
    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({ code: 'FD_TOXIC_INVALID', field: 'attributes.type' });
    expect(error.message).toMatch(/unknown toxic type "latencyy" \(did you mean "latency"\?\)/);
    expect(lab.proxies.list()).toEqual(before);
  });

  it('rejects a negative rate, naming attributes.rateKBps', async () => {
    await lab.proxy(await lab.echo());
    const error = thrown(() => lab.proxies.addToxic('p', spec('bw', { type: 'bandwidth', rateKBps: -5 })));
    expect(error).toMatchObject({ code: 'FD_TOXIC_INVALID', field: 'attributes.rateKBps' });
    expect(error.message).toBe('attributes.rateKBps: must be greater than 0 KB/s (use a blackhole to stop traffic) (got -5)');
    expect(lab.proxies.get('p')?.toxics).toEqual([]);
  });

  it('rejects a toxicity outside 0..1, naming toxicity', async () => {
    await lab.proxy(await lab.echo());
    const error = thrown(() => lab.proxies.addToxic('p', spec('lat', { type: 'latency', latencyMs: 5, jitterMs: 0 }, 'both', 2)));
    expect(error).toMatchObject({ code: 'FD_TOXIC_INVALID', field: 'toxicity' });
    expect(error.message).toBe('toxicity: must be between 0 and 1 (got 2)');
    expect(lab.proxies.get('p')?.toxics).toEqual([]);
  });

  it('rejects unknown attributes and inconsistent ones, naming each', async () => {
    await lab.proxy(await lab.echo());
    const typo = thrown(() =>
      lab.proxies.addToxic('p', raw({ id: 'x', stream: 'upstream', toxicity: 1, attributes: { type: 'bandwidth', rate: 5 } })),
    );
    expect(typo).toMatchObject({ code: 'FD_TOXIC_INVALID', field: 'attributes.rateKBps' });
    expect(typo.message).toContain('attributes.rate: is not a known attribute');
    const slicer = thrown(() => lab.proxies.addToxic('p', spec('s', { type: 'slicer', averageSize: 10, sizeVariation: 10, delayUs: 0 })));
    expect(slicer).toMatchObject({ code: 'FD_TOXIC_INVALID', field: 'attributes.sizeVariation' });
    const status = thrown(() => lab.proxies.addToxic('p', spec('h', { type: 'http-abort', status: 99, percent: 50, match: {} })));
    expect(status).toMatchObject({ code: 'FD_TOXIC_INVALID', field: 'attributes.status' });
    expect(lab.proxies.get('p')?.toxics).toEqual([]);
  });

  it('fills the defaults of an untyped spec', async () => {
    await lab.proxy(await lab.echo());
    const info = lab.proxies.addToxic('p', raw({ id: 'lat', attributes: { type: 'latency', latencyMs: 5 } }));
    expect(info.toxics).toEqual([spec('lat', { type: 'latency', latencyMs: 5, jitterMs: 0 }, 'downstream', 1)]);
    await lab.proxies.removeToxic('p', 'lat');
  });

  it('rejects a listen address in use with FD_PROXY_LISTEN and creates nothing', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as { port: number }).port;
    try {
      const error = await rejected(lab.proxies.create({ name: 'p', listen: `127.0.0.1:${port}`, upstream: '127.0.0.1:9' }));
      expect(error).toMatchObject({ code: 'FD_PROXY_LISTEN', field: 'listen' });
      expect(error.message).toBe(`listen: cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE)`);
      expect(lab.proxies.list()).toEqual([]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
    // Nothing of ours was left bound to it.
    expect(await connectError(port)).toBe('ECONNREFUSED');
  });

  it('rejects an upstream that does not resolve with FD_PROXY_UPSTREAM and binds nothing', async () => {
    const port = await lab.closedPort();
    const error = await rejected(lab.proxies.create({ name: 'p', listen: `127.0.0.1:${port}`, upstream: 'no-such-host.invalid:80' }));
    expect(error).toMatchObject({ code: 'FD_PROXY_UPSTREAM', field: 'upstream' });
    expect(error.message).toMatch(/^upstream: host "no-such-host.invalid" does not resolve/);
    expect(lab.proxies.list()).toEqual([]);
    expect(await connectError(port)).toBe('ECONNREFUSED');
  });

  it('rejects malformed addresses, naming the field', async () => {
    expect(await rejected(lab.proxies.create({ name: 'p', listen: 'localhost', upstream: '127.0.0.1:9' }))).toMatchObject({
      code: 'FD_PROXY_LISTEN',
      field: 'listen',
    });
    expect(await rejected(lab.proxies.create({ name: 'p', listen: '127.0.0.1:0', upstream: '127.0.0.1:0' }))).toMatchObject({
      code: 'FD_PROXY_UPSTREAM',
      field: 'upstream',
    });
    expect(await rejected(lab.proxies.create({ name: '', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' }))).toMatchObject({
      code: 'FD_PROXY_INVALID',
      field: 'name',
    });
    expect(lab.proxies.list()).toEqual([]);
  });

  it('rejects duplicates and unknown names with their codes', async () => {
    const upstream = await lab.echo();
    await lab.proxy(upstream);
    expect(await rejected(lab.proxy(upstream))).toMatchObject({ code: 'FD_PROXY_EXISTS', field: 'name' });
    expect(await rejected(lab.proxies.update('nope', { enabled: false }))).toMatchObject({ code: 'FD_PROXY_NOT_FOUND', field: 'name' });
    expect(thrown(() => lab.proxies.addToxic('nope', spec('a', { type: 'blackhole' })))).toMatchObject({ code: 'FD_PROXY_NOT_FOUND' });
    lab.proxies.addToxic('p', spec('a', { type: 'blackhole' }));
    expect(thrown(() => lab.proxies.addToxic('p', spec('a', { type: 'blackhole' })))).toMatchObject({
      code: 'FD_TOXIC_EXISTS',
      field: 'id',
    });
    expect(thrown(() => lab.proxies.updateToxic('p', spec('b', { type: 'blackhole' })))).toMatchObject({
      code: 'FD_TOXIC_NOT_FOUND',
      field: 'id',
    });
    expect(await rejected(lab.proxies.removeToxic('p', 'b'))).toMatchObject({ code: 'FD_TOXIC_NOT_FOUND', field: 'id' });
    await lab.proxies.removeToxic('p', 'a');
    expect(lab.proxies.list()).toHaveLength(1);
  });

  it('keeps the proxy as it was when an update fails', async () => {
    const port = await lab.proxy(await lab.echo());
    const before = lab.proxies.get('p');
    expect(await rejected(lab.proxies.update('p', { upstream: 'no-such-host.invalid:80', listen: '127.0.0.1:0' }))).toMatchObject({
      code: 'FD_PROXY_UPSTREAM',
    });
    expect(lab.proxies.get('p')).toEqual(before);
    const client = await lab.connect(port);
    client.socket.write('still here');
    expect((await client.take(10)).toString()).toBe('still here');
  });
});
