import { afterEach, describe, expect, it } from 'vitest';
import type { LookupAddress } from 'node:dns';
import { upstreamLookup } from '../../src/proxy/upstream-lookup.js';
import { Lab, until } from './helpers.js';

let lab: Lab;
afterEach(async () => {
  await lab.cleanup();
});

function lookupAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    upstreamLookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses as LookupAddress[])));
  });
}

describe('upstreams resolved when a connection arrives', () => {
  it('makes a proxy whose upstream does not resolve yet when told to resolve it on connect', async () => {
    lab = new Lab();
    const info = await lab.proxies.create(
      { name: 'p', listen: '127.0.0.1:0', upstream: 'no-such-host.invalid:80' },
      { resolveUpstream: 'on-connect' },
    );
    expect(info).toMatchObject({ upstream: 'no-such-host.invalid:80', enabled: true });
    const moved = await lab.proxies.update('p', { upstream: 'still-nowhere.invalid:81' }, { resolveUpstream: 'on-connect' });
    expect(moved.upstream).toBe('still-nowhere.invalid:81');
  });

  it('closes each connection to an unresolvable upstream with a FIN, and keeps serving', async () => {
    lab = new Lab();
    const info = await lab.proxies.create(
      { name: 'p', listen: '127.0.0.1:0', upstream: 'no-such-host.invalid:80' },
      { resolveUpstream: 'on-connect' },
    );
    const port = Number(info.address.split(':').pop());
    for (let i = 0; i < 3; i++) {
      const client = await lab.connect(port);
      client.socket.write('anyone there?');
      await client.ended;
      expect(client.total).toBe(0);
      client.socket.end();
      expect(await client.closed).toBeUndefined();
    }
    await until(() => lab.proxies.get('p')?.connections === 0);
    const echo = await lab.echo();
    await lab.proxies.update('p', { upstream: `localhost:${echo}` }, { resolveUpstream: 'on-connect' });
    const client = await lab.connect(port);
    client.socket.write('now?');
    expect((await client.take(4)).toString()).toBe('now?');
  });

  it('answers the lookups of an upstream host from a short cache, not the thread pool each time', async () => {
    lab = new Lab();
    const first = await lookupAll('localhost');
    expect(first.length).toBeGreaterThan(0);
    expect(await lookupAll('localhost')).toBe(first);
    await expect(lookupAll('no-such-host.invalid')).rejects.toMatchObject({ code: expect.stringMatching(/^(ENOTFOUND|EAI_AGAIN)$/) });
  });
});
