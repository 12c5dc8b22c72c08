import { ProxyError } from '../../src/proxy/errors.js';
import type { ChangeOptions, ProxyDefinition, ProxyInfo, ProxyManager, ToxicSpec } from '../../src/proxy/api.js';

interface FakeProxy {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  address: string;
  toxics: ToxicSpec[];
}

/**
 * The ProxyManager contract in memory, with no sockets: for the API's shapes and status codes.
 * Ports are handed out from a counter; `taken` holds addresses "someone else" listens on, and a
 * proxy's own bound address is taken too, so a clash fails like a real bind (EADDRINUSE).
 */
export class FakeProxies implements ProxyManager {
  readonly taken = new Set<string>();
  /** Toxic ids addToxic refuses, as the real manager refuses a bad attribute. */
  readonly refuse = new Set<string>();
  /** The options of every create and update, in order. */
  readonly options: (ChangeOptions | undefined)[] = [];
  readonly #proxies = new Map<string, FakeProxy>();
  #nextPort = 40000;

  // async: a failure is a rejection, as the contract's promises make it.
  async create(definition: ProxyDefinition, options?: ChangeOptions): Promise<ProxyInfo> {
    await Promise.resolve();
    this.options.push(options);
    if (this.#proxies.has(definition.name)) throw new ProxyError('FD_PROXY_EXISTS', `proxy ${definition.name} exists`);
    const enabled = definition.enabled ?? true;
    const proxy: FakeProxy = { ...definition, enabled, address: definition.listen, toxics: [] };
    if (enabled) proxy.address = this.#bind(definition.listen);
    this.#proxies.set(definition.name, proxy);
    return info(proxy);
  }

  async update(name: string, changes: Partial<Omit<ProxyDefinition, 'name'>>, options?: ChangeOptions): Promise<ProxyInfo> {
    await Promise.resolve();
    this.options.push(options);
    const proxy = this.#must(name);
    const listen = changes.listen ?? proxy.listen;
    const enabled = changes.enabled ?? proxy.enabled;
    const rebind = enabled && (!proxy.enabled || listen !== proxy.listen);
    if (rebind) {
      // Like a re-enabled Toxiproxy proxy, a port-0 listen comes back on the port it had.
      const wanted = listen === proxy.listen && listen.endsWith(':0') ? proxy.address : listen;
      this.taken.delete(proxy.address);
      try {
        proxy.address = this.#bind(wanted);
      } catch (error) {
        if (proxy.enabled) this.taken.add(proxy.address);
        throw error;
      }
    } else if (!enabled && proxy.enabled) {
      this.taken.delete(proxy.address);
    }
    Object.assign(proxy, { listen, enabled, upstream: changes.upstream ?? proxy.upstream });
    return info(proxy);
  }

  delete(name: string): Promise<void> {
    const proxy = this.#must(name);
    if (proxy.enabled) this.taken.delete(proxy.address);
    this.#proxies.delete(name);
    return Promise.resolve();
  }

  get(name: string): ProxyInfo | undefined {
    const proxy = this.#proxies.get(name);
    return proxy && info(proxy);
  }

  list(): ProxyInfo[] {
    return [...this.#proxies.values()].map(info);
  }

  addToxic(name: string, toxic: ToxicSpec): ProxyInfo {
    const proxy = this.#must(name);
    if (proxy.toxics.some((t) => t.id === toxic.id)) throw new ProxyError('FD_TOXIC_EXISTS', `toxic ${toxic.id} exists`);
    if (this.refuse.has(toxic.id)) throw new ProxyError('FD_TOXIC_INVALID', 'attributes.rateKBps: must be greater than 0 KB/s (got 0)');
    proxy.toxics.push(toxic);
    return info(proxy);
  }

  updateToxic(name: string, toxic: ToxicSpec): ProxyInfo {
    const proxy = this.#must(name);
    const at = proxy.toxics.findIndex((t) => t.id === toxic.id);
    if (at < 0) throw new ProxyError('FD_TOXIC_NOT_FOUND', `no toxic ${toxic.id}`);
    proxy.toxics[at] = toxic;
    return info(proxy);
  }

  removeToxic(name: string, id: string): Promise<void> {
    const proxy = this.#must(name);
    const at = proxy.toxics.findIndex((t) => t.id === id);
    if (at < 0) return Promise.reject(new ProxyError('FD_TOXIC_NOT_FOUND', `no toxic ${id}`));
    proxy.toxics.splice(at, 1);
    return Promise.resolve();
  }

  async reset(): Promise<void> {
    for (const proxy of this.#proxies.values()) {
      if (!proxy.enabled) await this.update(proxy.name, { enabled: true });
      proxy.toxics = [];
    }
  }

  async close(): Promise<void> {
    for (const name of [...this.#proxies.keys()]) await this.delete(name);
  }

  #must(name: string): FakeProxy {
    const proxy = this.#proxies.get(name);
    if (!proxy) throw new ProxyError('FD_PROXY_NOT_FOUND', `no proxy ${name}`);
    return proxy;
  }

  /** The address a listen binds, or Node's EADDRINUSE when it is taken. */
  #bind(listen: string): string {
    const colon = listen.lastIndexOf(':');
    const host = listen.slice(0, colon) === 'localhost' ? '127.0.0.1' : listen.slice(0, colon);
    const port = Number(listen.slice(colon + 1)) || this.#nextPort++;
    const address = `${host}:${port}`;
    if (this.taken.has(address)) {
      const cause = Object.assign(new Error(`listen EADDRINUSE: address already in use ${address}`), {
        code: 'EADDRINUSE',
        address: host,
        port,
      });
      throw new ProxyError('FD_PROXY_LISTEN', `listen: ${address} is already in use`, { field: 'listen', cause });
    }
    this.taken.add(address);
    return address;
  }
}

function info(proxy: FakeProxy): ProxyInfo {
  const { name, listen, address, upstream, enabled } = proxy;
  return { name, listen, address, upstream, enabled, toxics: [...proxy.toxics], connections: 0 };
}
