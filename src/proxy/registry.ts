import { assertResolves } from './address.js';
import type { ChangeOptions, ProxyDefinition, ProxyInfo, ProxyManager, ToxicSpec } from './api.js';
import { ProxyError } from './errors.js';
import { FaultProxy } from './proxy.js';
import { parseChanges, parseDefinition, parseToxicSpec } from './validate.js';

/**
 * The proxies of one agent. Changes to proxies (create, update, delete, reset, close) run one at
 * a time, so two of them never interleave their awaits on the same name; toxic changes are
 * synchronous and take effect at once.
 *
 * @example
 *   const proxies = new ProxyRegistry();
 *   await proxies.create({ name: 'db', listen: '127.0.0.1:0', upstream: '127.0.0.1:5432' });
 *   proxies.addToxic('db', { id: 'slow', stream: 'downstream', toxicity: 1, attributes: { type: 'latency', latencyMs: 200, jitterMs: 0 } });
 *   await proxies.removeToxic('db', 'slow');
 */
export class ProxyRegistry implements ProxyManager {
  private readonly proxies = new Map<string, FaultProxy>();
  private queue: Promise<unknown> = Promise.resolve();

  create(definition: ProxyDefinition, options?: ChangeOptions): Promise<ProxyInfo> {
    return this.serially(async () => {
      const parsed = parseDefinition(definition);
      if (this.proxies.has(parsed.name)) {
        throw new ProxyError('FD_PROXY_EXISTS', `proxy "${parsed.name}" already exists`, { field: 'name' });
      }
      if (options?.resolveUpstream !== 'on-connect') await assertResolves(parsed.upstream);
      const proxy = await FaultProxy.open(parsed);
      this.proxies.set(proxy.name, proxy);
      return proxy.info();
    });
  }

  update(name: string, changes: Partial<Omit<ProxyDefinition, 'name'>>, options?: ChangeOptions): Promise<ProxyInfo> {
    return this.serially(async () => {
      const proxy = this.proxy(name);
      const parsed = parseChanges(changes);
      if (parsed.upstream && options?.resolveUpstream !== 'on-connect') await assertResolves(parsed.upstream);
      await proxy.reconfigure(parsed);
      return proxy.info();
    });
  }

  delete(name: string): Promise<void> {
    return this.serially(async () => {
      const proxy = this.proxy(name);
      this.proxies.delete(name);
      await proxy.close();
    });
  }

  get(name: string): ProxyInfo | undefined {
    return this.proxies.get(name)?.info();
  }

  list(): ProxyInfo[] {
    return [...this.proxies.values()].map((proxy) => proxy.info());
  }

  addToxic(proxy: string, toxic: ToxicSpec): ProxyInfo {
    const target = this.proxy(proxy);
    target.addToxic(parseToxicSpec(toxic));
    return target.info();
  }

  updateToxic(proxy: string, toxic: ToxicSpec): ProxyInfo {
    const target = this.proxy(proxy);
    target.updateToxic(parseToxicSpec(toxic));
    return target.info();
  }

  async removeToxic(proxy: string, id: string): Promise<void> {
    await this.proxy(proxy).removeToxic(id);
  }

  /**
   * Removes every toxic and enables every proxy. Every proxy is attempted; the first failure
   * (a port taken meanwhile) is thrown after the others were reset.
   */
  reset(): Promise<void> {
    return this.serially(async () => {
      const results = await Promise.allSettled(
        [...this.proxies.values()].map(async (proxy) => {
          await Promise.all(proxy.toxics.map((toxic) => proxy.removeToxic(toxic.spec.id)));
          await proxy.reconfigure({ enabled: true });
        }),
      );
      const failure = results.find((result) => result.status === 'rejected');
      if (failure) throw failure.reason;
    });
  }

  close(): Promise<void> {
    return this.serially(async () => {
      const proxies = [...this.proxies.values()];
      this.proxies.clear();
      await Promise.all(proxies.map((proxy) => proxy.close()));
    });
  }

  private proxy(name: string): FaultProxy {
    const proxy = this.proxies.get(name);
    if (!proxy) throw new ProxyError('FD_PROXY_NOT_FOUND', `proxy "${name}" not found`, { field: 'name' });
    return proxy;
  }

  private serially<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation, operation);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
