import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProxyHost } from '../../src/agent-daemon/supervision/proxy-host.js';
import { RemoteProxies } from '../../src/agent-daemon/supervision/remote-proxies.js';
import type { ToSupervisor } from '../../src/agent-daemon/supervision/messages.js';
import { ProxyError } from '../../src/proxy/errors.js';
import { ProxyRegistry } from '../../src/proxy/registry.js';
import type { ToxicSpec } from '../../src/proxy/api.js';
import type { Logger } from '../../src/util/log.js';

// The worker's view of the supervisor's proxies, over an in-memory channel that delivers each
// message after `delayMs` and in order, as the IPC channel does.

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const latency = (id: string, ms = 100): ToxicSpec => ({
  id,
  stream: 'downstream',
  toxicity: 1,
  attributes: { type: 'latency', latencyMs: ms, jitterMs: 0 },
});

let registry: ProxyRegistry;
let host: ProxyHost;
let remote: RemoteProxies;
let delayMs: number;

/** A fake child for the host (what it sends goes to the worker) and a channel for the worker. */
function connect(): void {
  const toWorker = new EventEmitter();
  let chain = Promise.resolve();
  const deliver = (emit: () => void) => {
    chain = chain.then(async () => {
      await sleep(delayMs);
      emit();
    });
  };
  const child = {
    connected: true,
    send: (message: unknown, _handle: unknown, callback?: (error: Error | null) => void) => {
      deliver(() => toWorker.emit('message', message));
      callback?.(null);
      return true;
    },
  } as unknown as ChildProcess;
  remote = new RemoteProxies(
    {
      send: (message: ToSupervisor) => deliver(() => void (message.type === 'proxy-call' ? host.handle(message, child) : undefined)),
      on: (_event, listener) => void toWorker.on('message', listener),
    },
    quiet,
  );
  host.attach(child);
}

beforeEach(() => {
  delayMs = 0;
  registry = new ProxyRegistry();
  host = new ProxyHost(registry, quiet);
  connect();
});

afterEach(async () => {
  await host.close();
});

describe('the proxies a supervised worker drives', () => {
  it('creates proxies in the supervisor and mirrors them, connections and all', async () => {
    const info = await remote.create({ name: 'db', listen: '127.0.0.1:0', upstream: '127.0.0.1:5432' });
    expect(registry.get('db')).toMatchObject({ name: 'db', upstream: '127.0.0.1:5432' });
    expect(remote.get('db')).toEqual(info);
    expect(remote.list().map((p) => p.name)).toEqual(['db']);
  });

  it('applies toxic changes in the order they were made, and settles once the supervisor has them', async () => {
    await remote.create({ name: 'db', listen: '127.0.0.1:0', upstream: '127.0.0.1:5432' });
    delayMs = 30;
    remote.addToxic('db', latency('a'));
    remote.updateToxic('db', latency('a', 300));
    const removing = remote.removeToxic('db', 'a');
    remote.addToxic('db', latency('a', 50));
    remote.addToxic('db', latency('b'));
    // Checked at once against the mirror, as the registry itself would check it.
    expect(() => remote.addToxic('db', latency('b'))).toThrow(ProxyError);
    expect(remote.get('db')?.toxics.map((t) => [t.id, t.attributes])).toEqual([
      ['a', { type: 'latency', latencyMs: 50, jitterMs: 0 }],
      ['b', { type: 'latency', latencyMs: 100, jitterMs: 0 }],
    ]);
    expect(registry.get('db')?.toxics).toEqual([]); // not there yet: the channel is slow
    await remote.settled();
    expect(registry.get('db')?.toxics.map((t) => [t.id, t.attributes])).toEqual([
      ['a', { type: 'latency', latencyMs: 50, jitterMs: 0 }],
      ['b', { type: 'latency', latencyMs: 100, jitterMs: 0 }],
    ]);
    await removing;
    expect(remote.get('db')?.toxics).toEqual(registry.get('db')?.toxics);
  });

  it('keeps its own changes in the mirror when an older state of the supervisor arrives after them', async () => {
    await remote.create({ name: 'db', listen: '127.0.0.1:0', upstream: '127.0.0.1:5432' });
    delayMs = 20;
    const pending = remote.create({ name: 'cache', listen: '127.0.0.1:0', upstream: '127.0.0.1:6379' });
    remote.addToxic('db', latency('slow')); // sent after the create: its reply predates this toxic
    await pending;
    expect(remote.get('db')?.toxics.map((t) => t.id)).toEqual(['slow']);
    await remote.settled();
    expect(registry.get('db')?.toxics.map((t) => t.id)).toEqual(['slow']);
  });

  it('rejects with the registry own errors, field included, and refuses unknown proxies at once', async () => {
    await remote.create({ name: 'db', listen: '127.0.0.1:0', upstream: '127.0.0.1:5432' });
    const duplicate = await remote
      .create({ name: 'db', listen: '127.0.0.1:0', upstream: '127.0.0.1:5432' })
      .catch((error: unknown) => error);
    expect(duplicate).toBeInstanceOf(ProxyError);
    expect(duplicate).toMatchObject({ code: 'FD_PROXY_EXISTS', field: 'name' });
    expect(() => remote.addToxic('nope', latency('x'))).toThrow(/proxy "nope" not found/);
    await expect(remote.removeToxic('db', 'nope')).rejects.toMatchObject({ code: 'FD_TOXIC_NOT_FOUND' });
  });

  it('finds the proxies already running when a new worker attaches (a restarted worker)', async () => {
    await remote.create({ name: 'db', listen: '127.0.0.1:0', upstream: '127.0.0.1:5432' });
    remote.addToxic('db', latency('left-by-the-dead-one'));
    await remote.settled();
    connect(); // a new worker, a new channel
    await remote.refresh();
    expect(remote.get('db')?.toxics.map((t) => t.id)).toEqual(['left-by-the-dead-one']);
    await remote.reset();
    expect(registry.get('db')?.toxics).toEqual([]);
  });
});
