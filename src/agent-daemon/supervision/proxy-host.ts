import type { ChildProcess } from 'node:child_process';
import { errorMessage } from '../../errors.js';
import type { ProxyManager } from '../../proxy/api.js';
import { ProxyError } from '../../proxy/errors.js';
import type { Logger } from '../../util/log.js';
import { PROXY_METHODS } from './messages.js';
import type { ProxyMethod, ProxyState, ToSupervisor, ToWorker, WireError } from './messages.js';

/** How often connection counts are sent to the worker when they changed. */
const STATE_EVERY_MS = 500;

/**
 * The supervisor's side of the fault proxies: they live in the supervisor, so that a worker
 * that dies (kill -9, a bug) never takes a proxied link down with it — traffic flows, toxics
 * stay until the restarted worker's recovery removes them. The worker drives them through
 * `proxy-call` messages; every reply carries the whole proxy list, so its mirror is exact.
 */
export class ProxyHost {
  #worker: ChildProcess | undefined;
  #lastState = '';
  /** The highest call id applied: a worker's mirror replays its changes sent after it. */
  #seen = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(
    readonly proxies: ProxyManager,
    private readonly log: Logger,
  ) {
    this.#timer = setInterval(() => this.sendStateIfChanged(), STATE_EVERY_MS);
    this.#timer.unref();
  }

  /** The worker now alive: it gets the proxies as they are (a restarted one finds them running). */
  attach(worker: ChildProcess): void {
    this.#worker = worker;
    this.#seen = 0;
    this.#lastState = '';
    this.sendStateIfChanged();
  }

  detach(worker: ChildProcess): void {
    if (this.#worker === worker) this.#worker = undefined;
  }

  /** Answers one call; calls are answered in the order they came (toxic changes are ordered). */
  async handle(message: Extract<ToSupervisor, { type: 'proxy-call' }>, worker: ChildProcess): Promise<void> {
    let reply: ToWorker;
    try {
      // The call's synchronous part (a toxic change) takes effect here, in arrival order.
      const pending = this.call(message.method, message.args);
      this.#seen = Math.max(this.#seen, message.id);
      const value = await pending;
      reply = { type: 'proxy-reply', id: message.id, value: value ?? null, ...this.state() };
    } catch (error) {
      this.#seen = Math.max(this.#seen, message.id);
      reply = { type: 'proxy-reply', id: message.id, error: toWire(error), ...this.state() };
    }
    send(worker, reply, this.log);
  }

  close(): Promise<void> {
    clearInterval(this.#timer);
    return this.proxies.close();
  }

  private call(method: ProxyMethod, args: unknown[]): unknown {
    if (!PROXY_METHODS.includes(method)) throw new ProxyError('FD_PROXY_INVALID', `no proxy method ${String(method)}`);
    return (Reflect.get(this.proxies, method) as (...a: unknown[]) => unknown).apply(this.proxies, args);
  }

  private state(): ProxyState {
    return { proxies: this.proxies.list(), seen: this.#seen };
  }

  private sendStateIfChanged(): void {
    const worker = this.#worker;
    if (!worker?.connected) return;
    const state = this.state();
    const text = JSON.stringify(state.proxies);
    if (text === this.#lastState) return;
    this.#lastState = text;
    send(worker, { type: 'proxy-state', ...state }, this.log);
  }
}

function toWire(error: unknown): WireError {
  if (error instanceof Error) {
    const { code, field } = error as { code?: unknown; field?: unknown };
    return {
      name: error.name,
      message: error.message,
      ...(typeof code === 'string' && { code }),
      ...(typeof field === 'string' && { field }),
    };
  }
  return { name: 'Error', message: errorMessage(error) };
}

/** A worker that died between a call and its reply simply misses the reply. */
export function send(worker: ChildProcess, message: ToWorker, log: Logger, handle?: Parameters<ChildProcess['send']>[1]): void {
  if (!worker.connected) return;
  worker.send(message, handle as never, (error: Error | null) => {
    if (error) log.warn('could not reach the worker', { type: message.type, error: error.message });
  });
}
