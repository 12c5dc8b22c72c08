import { FiredrillError } from '../../errors.js';
import type { ChangeOptions, ProxyDefinition, ProxyInfo, ProxyManager, ToxicSpec } from '../../proxy/api.js';
import { ProxyError } from '../../proxy/errors.js';
import type { ProxyErrorCode } from '../../proxy/errors.js';
import { parseToxicSpec } from '../../proxy/validate.js';
import type { Logger } from '../../util/log.js';
import { isMessage } from './messages.js';
import type { ProxyMethod, ToSupervisor, ToWorker, WireError } from './messages.js';

/** The channel to the supervisor: `process` in a forked worker. */
export interface SupervisorChannel {
  send(message: ToSupervisor): void;
  on(event: 'message', listener: (message: unknown) => void): void;
}

/**
 * The worker's view of the fault proxies its supervisor hosts (see proxy-host.ts).
 *
 * `get`, `list`, `addToxic` and `updateToxic` are synchronous in ProxyManager, so the worker
 * keeps a mirror of the supervisor's proxies: a toxic change is checked here exactly as the
 * registry checks it (same parser, same errors), applied to the mirror and sent; messages on
 * the channel keep their order, so the supervisor applies changes in the order they were made.
 * `settled()` resolves once the supervisor has applied every change sent so far: a fault is
 * active when its injection returns.
 */
export class RemoteProxies implements ProxyManager {
  #mirror = new Map<string, ProxyInfo>();
  #nextId = 1;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  readonly #inFlight = new Set<Promise<unknown>>();
  /** Toxic changes applied to the mirror but not yet answered, by call id: replayed on a newer state. */
  readonly #unacked = new Map<number, (mirror: Map<string, ProxyInfo>) => void>();

  constructor(
    private readonly channel: SupervisorChannel,
    private readonly log: Logger,
  ) {
    channel.on('message', (message) => {
      if (isMessage<ToWorker>(message)) this.receive(message);
    });
  }

  create(definition: ProxyDefinition, options?: ChangeOptions): Promise<ProxyInfo> {
    return this.call('create', [definition, ...(options ? [options] : [])]) as Promise<ProxyInfo>;
  }

  update(name: string, changes: Partial<Omit<ProxyDefinition, 'name'>>, options?: ChangeOptions): Promise<ProxyInfo> {
    return this.call('update', [name, changes, ...(options ? [options] : [])]) as Promise<ProxyInfo>;
  }

  async delete(name: string): Promise<void> {
    await this.call('delete', [name]);
  }

  get(name: string): ProxyInfo | undefined {
    return this.#mirror.get(name);
  }

  list(): ProxyInfo[] {
    return [...this.#mirror.values()];
  }

  addToxic(proxy: string, toxic: ToxicSpec): ProxyInfo {
    const info = this.mustGet(proxy);
    const spec = parseToxicSpec(toxic);
    if (info.toxics.some((t) => t.id === spec.id)) {
      throw new ProxyError('FD_TOXIC_EXISTS', `toxic "${spec.id}" already exists on proxy "${proxy}"`, { field: 'id' });
    }
    return this.change(
      'addToxic',
      [proxy, spec],
      withToxics(proxy, (toxics) => [...toxics, spec]),
    );
  }

  updateToxic(proxy: string, toxic: ToxicSpec): ProxyInfo {
    const info = this.mustGet(proxy);
    const spec = parseToxicSpec(toxic);
    this.indexOf(info, spec.id);
    return this.change(
      'updateToxic',
      [proxy, spec],
      withToxics(proxy, (toxics) => toxics.map((t) => (t.id === spec.id ? spec : t))),
    );
  }

  async removeToxic(proxy: string, id: string): Promise<void> {
    this.indexOf(this.mustGet(proxy), id);
    const mutate = withToxics(proxy, (toxics) => toxics.filter((t) => t.id !== id));
    mutate(this.#mirror);
    await this.call('removeToxic', [proxy, id], mutate);
  }

  async reset(): Promise<void> {
    await this.call('reset', []);
  }

  /** The proxies are the supervisor's: closing the worker's view leaves them running. */
  close(): Promise<void> {
    return this.settled();
  }

  /** Every change made so far is in effect in the supervisor. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Asks the supervisor for the current proxies (connection counts included). */
  async refresh(): Promise<void> {
    await this.call('list', []);
  }

  private change(method: 'addToxic' | 'updateToxic', args: [string, ToxicSpec], mutate: Mutation): ProxyInfo {
    mutate(this.#mirror);
    const sent = this.call(method, args, mutate).catch((error: unknown) => {
      // Checked here as the supervisor checks it: this means the two disagree. Its reply's
      // proxy list has already put the mirror right; the fault's verify will see the truth.
      this.log.error('the supervisor refused a toxic change the worker had accepted', { proxy: args[0], id: args[1].id, method, error });
    });
    this.#inFlight.add(sent);
    void sent.finally(() => this.#inFlight.delete(sent));
    return this.mustGet(args[0]);
  }

  private call(method: ProxyMethod, args: unknown[], mutate?: Mutation): Promise<unknown> {
    const id = this.#nextId++;
    if (mutate) this.#unacked.set(id, mutate);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      try {
        this.channel.send({ type: 'proxy-call', id, method, args });
      } catch (error) {
        this.#pending.delete(id);
        this.#unacked.delete(id);
        reject(new FiredrillError('FD_SUPERVISOR_GONE', `the agent's supervisor cannot be reached: ${String(error)}`));
      }
    });
  }

  private receive(message: ToWorker): void {
    if (message.type === 'connection') return;
    if (message.type === 'proxy-reply') this.#unacked.delete(message.id);
    // The supervisor's list, plus the toxic changes it had not applied yet when it sent it.
    const mirror = new Map(message.proxies.map((info) => [info.name, info]));
    for (const [id, mutate] of this.#unacked) if (id > message.seen) mutate(mirror);
    this.#mirror = mirror;
    if (message.type !== 'proxy-reply') return;
    const waiting = this.#pending.get(message.id);
    if (!waiting) return;
    this.#pending.delete(message.id);
    if (message.error) waiting.reject(fromWire(message.error));
    else waiting.resolve(message.value);
  }

  private mustGet(name: string): ProxyInfo {
    const info = this.#mirror.get(name);
    if (!info) throw new ProxyError('FD_PROXY_NOT_FOUND', `proxy "${name}" not found`, { field: 'name' });
    return info;
  }

  private indexOf(info: ProxyInfo, id: string): number {
    const index = info.toxics.findIndex((t) => t.id === id);
    if (index < 0) throw new ProxyError('FD_TOXIC_NOT_FOUND', `toxic "${id}" not found on proxy "${info.name}"`, { field: 'id' });
    return index;
  }
}

type Mutation = (mirror: Map<string, ProxyInfo>) => void;

/** A change to one proxy's toxics in a mirror (nothing when the proxy is not in it). */
function withToxics(proxy: string, change: (toxics: readonly ToxicSpec[]) => ToxicSpec[]): Mutation {
  return (mirror) => {
    const info = mirror.get(proxy);
    if (info) mirror.set(proxy, { ...info, toxics: change(info.toxics) });
  };
}

/** A ProxyError again when it was one (the API maps its code and field), else a plain error. */
function fromWire(error: WireError): Error {
  if (error.name === 'ProxyError' && error.code?.startsWith('FD_')) {
    return new ProxyError(error.code as ProxyErrorCode, error.message, error.field === undefined ? undefined : { field: error.field });
  }
  return new FiredrillError(error.code ?? 'FD_SUPERVISOR', error.message);
}
