import type { ProxyInfo } from '../../proxy/api.js';

/**
 * What the agent's supervisor and its worker say to each other over the IPC channel of
 * `child_process.fork` (JSON messages; sockets travel as handles next to a message).
 *
 *   supervisor ── connection(kind) + socket ─▶ worker     an accepted API or Toxiproxy client
 *   supervisor ── proxy-reply / proxy-state ─▶ worker     answers to proxy calls, connection counts
 *   worker ──── proxy-call ─────────────────▶ supervisor  a change to the fault proxies it hosts
 *   worker ──── ready ──────────────────────▶ supervisor  recovery done: it takes connections now
 */
export type ToWorker =
  | { readonly type: 'connection'; readonly kind: ListenerKind }
  | ({ readonly type: 'proxy-reply'; readonly id: number; readonly value?: unknown; readonly error?: WireError } & ProxyState)
  | ({ readonly type: 'proxy-state' } & ProxyState);

/** The supervisor's proxies, once it has applied every call up to `seen` (ids grow by one). */
export interface ProxyState {
  readonly proxies: ProxyInfo[];
  readonly seen: number;
}

export type ToSupervisor =
  | { readonly type: 'proxy-call'; readonly id: number; readonly method: ProxyMethod; readonly args: unknown[] }
  | { readonly type: 'ready'; readonly pid: number };

export type ListenerKind = 'api' | 'toxiproxy';

/** The proxy manager's methods a worker may call; every other name is refused. */
export const PROXY_METHODS = ['create', 'update', 'delete', 'addToxic', 'updateToxic', 'removeToxic', 'reset', 'list'] as const;
export type ProxyMethod = (typeof PROXY_METHODS)[number];

/** An error as it crosses the channel: enough to rebuild a ProxyError (code, field) or report it. */
export interface WireError {
  readonly name: string;
  readonly code?: string;
  readonly message: string;
  readonly field?: string;
}

/** A message of this protocol (anything else on the channel is ignored). */
export function isMessage<M extends { readonly type: string }>(message: unknown): message is M {
  return typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string';
}
