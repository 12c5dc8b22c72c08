/**
 * The fault proxy's contract, shared by the proxy engine (src/proxy), the agent's own API and
 * fault types (proxy-latency, http-abort, …), and the Toxiproxy-compatible API.
 *
 *   client ──▶ [listen] FaultProxy ──▶ upstream
 *                 upstream stream:   client → upstream (requests)
 *                 downstream stream: upstream → client (responses)
 *
 * A toxic applies to connections already open as well as new ones, from the moment it is added;
 * removing it never drops data in flight (what a toxic holds is delivered first).
 */

export type Stream = 'upstream' | 'downstream' | 'both';

/** Which HTTP/1.1 requests an HTTP toxic applies to; every given field must match. */
export interface HttpMatch {
  readonly method?: string;
  readonly pathPrefix?: string;
  /** Header name (case-insensitive) → exact value. */
  readonly headers?: Readonly<Record<string, string>>;
}

export type ToxicAttributes =
  | { readonly type: 'latency'; readonly latencyMs: number; readonly jitterMs: number }
  | { readonly type: 'bandwidth'; readonly rateKBps: number }
  /** Drops data; closes the connection after `closeAfterMs` when given (Toxiproxy's `timeout`). */
  | { readonly type: 'blackhole'; readonly closeAfterMs?: number }
  /** Resets the connection (TCP RST) after `delayMs` (Toxiproxy's `reset_peer`). */
  | { readonly type: 'reset'; readonly delayMs: number }
  | { readonly type: 'slicer'; readonly averageSize: number; readonly sizeVariation: number; readonly delayUs: number }
  /** Closes the connection once `bytes` have passed in the toxic's stream. */
  | { readonly type: 'limit-data'; readonly bytes: number }
  /** Delays the close of the connection by `delayMs`. */
  | { readonly type: 'slow-close'; readonly delayMs: number }
  /** Passes everything untouched (Toxiproxy's `noop`). */
  | { readonly type: 'noop' }
  /** Answers `percent` % of matching requests itself with `status`, never forwarding them. */
  | { readonly type: 'http-abort'; readonly status: number; readonly percent: number; readonly match: HttpMatch; readonly body?: string }
  /** Holds `percent` % of matching requests for `delayMs` before forwarding them. */
  | { readonly type: 'http-delay'; readonly delayMs: number; readonly percent: number; readonly match: HttpMatch };

export type ToxicType = ToxicAttributes['type'];

export interface ToxicSpec {
  /** Unique in its proxy: a fault's tag, or a Toxiproxy toxic's name. */
  readonly id: string;
  /** HTTP toxics act on requests and the responses that answer them, whatever this says. */
  readonly stream: Stream;
  /** Probability, per connection, that the toxic applies to it (0..1). HTTP toxics use `percent` per request instead and ignore it. */
  readonly toxicity: number;
  readonly attributes: ToxicAttributes;
}

export interface ProxyDefinition {
  readonly name: string;
  /** `host:port` to listen on; port 0 takes any free port. */
  readonly listen: string;
  /** `host:port` to forward to; the host must resolve when the proxy is created (see ChangeOptions). */
  readonly upstream: string;
  /** A disabled proxy (`down`) closes its connections and refuses new ones. Default true. */
  readonly enabled?: boolean;
}

export interface ProxyInfo {
  readonly name: string;
  readonly listen: string;
  /** The address actually bound (the real port when `listen` said 0). */
  readonly address: string;
  readonly upstream: string;
  readonly enabled: boolean;
  readonly toxics: readonly ToxicSpec[];
  readonly connections: number;
}

/** How a create or update treats the upstream's host name. */
export interface ChangeOptions {
  /**
   * `now` (the default): the host must resolve, or the change is refused naming `upstream`.
   * `on-connect`: it is resolved when a connection arrives, as Toxiproxy does; a connection
   * whose upstream does not resolve is closed.
   */
  readonly resolveUpstream?: 'now' | 'on-connect';
}

/**
 * The proxies of one agent. Every change is complete or not made at all: a proxy whose listen
 * address is taken or whose upstream does not resolve is not created (ProxyError naming the
 * field), a toxic with a bad attribute is not added.
 */
export interface ProxyManager {
  create(definition: ProxyDefinition, options?: ChangeOptions): Promise<ProxyInfo>;
  /** Changes listen, upstream or enabled; listen changes re-bind. */
  update(name: string, changes: Partial<Omit<ProxyDefinition, 'name'>>, options?: ChangeOptions): Promise<ProxyInfo>;
  /** Closes the listener and every connection. */
  delete(name: string): Promise<void>;
  get(name: string): ProxyInfo | undefined;
  list(): ProxyInfo[];
  addToxic(proxy: string, toxic: ToxicSpec): ProxyInfo;
  updateToxic(proxy: string, toxic: ToxicSpec): ProxyInfo;
  /** Resolves once what the toxic held has been delivered (or its connections closed). */
  removeToxic(proxy: string, id: string): Promise<void>;
  /** Enables every proxy and removes every toxic. */
  reset(): Promise<void>;
  /** Stops every proxy. */
  close(): Promise<void>;
  /**
   * Resolves once every change made so far is in effect. A manager whose proxies live in
   * another process (the agent's supervisor) applies toxic changes a moment after its
   * synchronous methods return; callers that promise "active now" (a fault's inject, an API
   * answer) wait for this. Absent: changes are in effect when the method returns.
   */
  settled?(): Promise<void>;
}
