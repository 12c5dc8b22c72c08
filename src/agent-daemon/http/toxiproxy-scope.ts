import { ProxyError } from '../../proxy/errors.js';
import type { ChangeOptions, ProxyDefinition, ProxyInfo, ProxyManager, ToxicSpec } from '../../proxy/api.js';

/**
 * What Toxiproxy clients see of the agent's proxies: only those created through the Toxiproxy
 * API. A test suite's `POST /reset` or `DELETE /proxies/x` can then never touch the proxies a
 * drill runs its links through, nor the toxics of a drill in progress.
 */
export class ToxiproxyScope implements ProxyManager {
  readonly #owned = new Set<string>();

  constructor(private readonly proxies: ProxyManager) {}

  async create(definition: ProxyDefinition, options?: ChangeOptions): Promise<ProxyInfo> {
    if (this.proxies.get(definition.name) && !this.#owned.has(definition.name)) {
      throw new ProxyError('FD_PROXY_EXISTS', `proxy ${definition.name} already exists (it belongs to a Firedrill drill)`, {
        field: 'name',
      });
    }
    const info = await this.proxies.create(definition, options);
    this.#owned.add(definition.name);
    return info;
  }

  update(name: string, changes: Partial<Omit<ProxyDefinition, 'name'>>, options?: ChangeOptions): Promise<ProxyInfo> {
    return this.proxies.update(this.#mine(name), changes, options);
  }

  async delete(name: string): Promise<void> {
    await this.proxies.delete(this.#mine(name));
    this.#owned.delete(name);
  }

  get(name: string): ProxyInfo | undefined {
    return this.#owned.has(name) ? this.proxies.get(name) : undefined;
  }

  list(): ProxyInfo[] {
    return this.proxies.list().filter((proxy) => this.#owned.has(proxy.name));
  }

  addToxic(proxy: string, toxic: ToxicSpec): ProxyInfo {
    return this.proxies.addToxic(this.#mine(proxy), toxic);
  }

  updateToxic(proxy: string, toxic: ToxicSpec): ProxyInfo {
    return this.proxies.updateToxic(this.#mine(proxy), toxic);
  }

  settled(): Promise<void> {
    return this.proxies.settled?.() ?? Promise.resolve();
  }

  removeToxic(proxy: string, id: string): Promise<void> {
    return this.proxies.removeToxic(this.#mine(proxy), id);
  }

  /** Enables the scope's proxies and removes their toxics; the rest is not Toxiproxy's. */
  async reset(): Promise<void> {
    await Promise.all(
      this.list().map(async (proxy) => {
        await Promise.all(proxy.toxics.map((toxic) => this.proxies.removeToxic(proxy.name, toxic.id)));
        if (!proxy.enabled) await this.proxies.update(proxy.name, { enabled: true });
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.#owned].map((name) => this.delete(name)));
  }

  #mine(name: string): string {
    if (!this.#owned.has(name)) throw new ProxyError('FD_PROXY_NOT_FOUND', `proxy not found: ${name}`, { field: 'name' });
    return name;
  }
}
