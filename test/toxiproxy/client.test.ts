import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Toxiproxy } from 'toxiproxy-node-client';
import type { Bandwidth, ICreateToxicBody, Latency } from 'toxiproxy-node-client';
import { ProxyRegistry } from '../../src/proxy/registry.js';
import { createToxiproxyApp } from '../../src/toxiproxy/index.js';
import { accepts } from './ports.js';
import { serveOnLoopback } from './serve.js';
import type { Served } from './serve.js';

/*
 * The published toxiproxy-node-client against the API served on a real socket, over the real
 * fault proxy registry: what a test suite written for Toxiproxy does, call for call.
 */

let proxies: ProxyRegistry;
let served: Served;
let toxiproxy: Toxiproxy;

beforeEach(async () => {
  proxies = new ProxyRegistry();
  served = await serveOnLoopback(createToxiproxyApp({ proxies, version: '2.12.0-firedrill' }));
  toxiproxy = new Toxiproxy(served.url);
});
afterEach(async () => {
  await served.close();
  await proxies.close();
});

const redis = { name: 'redis', listen: 'localhost:0', upstream: 'localhost:6379' };

describe('toxiproxy-node-client against the Toxiproxy API', () => {
  it('creates, finds, lists, disables and deletes a proxy', async () => {
    const proxy = await toxiproxy.createProxy(redis);
    const bound = proxies.get('redis')?.address;
    expect(bound).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    expect(proxy).toMatchObject({ name: 'redis', listen: bound, upstream: 'localhost:6379', enabled: true });
    expect((await toxiproxy.get('redis')).toJson()).toEqual(proxy.toJson());
    expect(Object.keys(await toxiproxy.getAll())).toEqual(['redis']);

    const down = await proxy.update({ ...proxy.toJson(), enabled: false });
    expect(down.enabled).toBe(false);
    expect(proxies.get('redis')?.enabled).toBe(false);
    expect(await accepts(proxy.listen)).toBe(false);
    const up = await down.update({ ...down.toJson(), enabled: true });
    expect(up).toMatchObject({ enabled: true, listen: bound });
    expect(await accepts(proxy.listen)).toBe(true);

    await proxy.remove();
    expect(await toxiproxy.getAll()).toEqual({});
    expect(await accepts(proxy.listen)).toBe(false);
  });

  it('adds, reads, updates and removes a toxic', async () => {
    const proxy = await toxiproxy.createProxy(redis);
    const body = { type: 'latency', attributes: { latency: 100, jitter: 5 } } as ICreateToxicBody<Latency>;
    const toxic = await proxy.addToxic(body);
    expect(toxic.toJson()).toEqual({
      attributes: { latency: 100, jitter: 5 },
      name: 'latency_downstream',
      stream: 'downstream',
      toxicity: 1,
      type: 'latency',
    });
    expect((await proxy.getToxic<Latency>('latency_downstream')).toJson()).toEqual(toxic.toJson());

    const slower = await toxic.update({ ...toxic.toJson(), attributes: { latency: 500, jitter: 0 } });
    expect(slower.attributes).toEqual({ latency: 500, jitter: 0 });
    expect(proxies.get('redis')?.toxics[0]?.attributes).toEqual({ type: 'latency', latencyMs: 500, jitterMs: 0 });

    await slower.remove();
    expect(proxies.get('redis')?.toxics).toEqual([]);
  });

  it('populates, resets and answers the version', async () => {
    const populated = await toxiproxy.populate([redis, { name: 'mysql', listen: 'localhost:0', upstream: 'localhost:3306' }]);
    expect(Object.keys(populated)).toEqual(['redis', 'mysql']);
    await populated['redis']?.addToxic({ type: 'bandwidth', attributes: { rate: 1 } } as ICreateToxicBody<Bandwidth>);
    await populated['mysql']?.update({ ...populated['mysql'].toJson(), enabled: false });

    await toxiproxy.reset();
    expect(proxies.list().map((p) => [p.name, p.enabled, p.toxics.length])).toEqual([
      ['redis', true, 0],
      ['mysql', true, 0],
    ]);
    expect(JSON.parse(await toxiproxy.getVersion())).toEqual({ version: '2.12.0-firedrill' });
  });

  it('rejects with the status Toxiproxy answers: 404 unknown proxy or toxic, 409 duplicate, 400 bad toxic', async () => {
    const proxy = await toxiproxy.createProxy(redis);
    await expect(toxiproxy.get('nope')).rejects.toThrow('Request failed with status code 404');
    await expect(proxy.getToxic('nope')).rejects.toThrow('Request failed with status code 404');
    await expect(toxiproxy.createProxy(redis)).rejects.toThrow('Request failed with status code 409');
    await proxy.addToxic({ type: 'timeout', attributes: { timeout: 0 } } as ICreateToxicBody<unknown>);
    await expect(proxy.addToxic({ type: 'timeout', attributes: { timeout: 0 } } as ICreateToxicBody<unknown>)).rejects.toThrow(
      'status code 409',
    );
    await expect(proxy.addToxic({ type: 'explode', attributes: {} } as unknown as ICreateToxicBody<unknown>)).rejects.toThrow(
      'status code 400',
    );
    await expect(proxy.addToxic({ type: 'latency', attributes: { latency: 1.5 } } as ICreateToxicBody<unknown>)).rejects.toThrow(
      'status code 400',
    );
    expect(proxies.get('redis')?.toxics.map((t) => t.id)).toEqual(['timeout_downstream']);
  });
});
