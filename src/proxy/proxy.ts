/**
 * The fault proxy: one listener, one upstream, any number of connections.
 *
 *              ┌───────────────────────── Connection ──────────────────────────┐
 *   client ───▶│ Link 'upstream':   client socket → [toxics] → upstream socket │───▶ upstream
 *   client ◀───│ Link 'downstream': client socket ← [toxics] ← upstream socket │◀─── upstream
 *              └───────────────────────────────────────────────────────────────┘
 *
 * A link with no toxic is the direct path: each chunk read is written at once (src.pipe(dst)'s
 * work, nothing more), the source paused while the destination is full. A link with toxics sends
 * each chunk through a chain of stages, one per toxic, in the order the toxics were added:
 *
 *   source ─data/end─▶ stage ─push/end─▶ stage ─push/end─▶ sink (dst.write / dst.end)
 *
 * Adding a toxic inserts a stage into the chain of every open connection at once (Toxiproxy
 * issue #148: no connection escapes). Removing one asks the stage to hand on what it holds, in
 * order, before it leaves; when the chain is empty the link is on the direct path again.
 * HTTP toxics put one stage on each link: requests are framed on the way up, responses on the
 * way down so that an answer made up by the toxic goes out in request order.
 */
import type { Server, Socket } from 'node:net';
import type { ActiveToxic } from './active-toxic.js';
import type { Address } from './address.js';
import type { ProxyInfo, ToxicSpec } from './api.js';
import type { ConnectionHost } from './connection.js';
import { Connection } from './connection.js';
import { ProxyError } from './errors.js';
import { bind, boundAddress, unbind } from './listener.js';
import { toxicDefinition } from './toxics/index.js';
import type { ParsedChanges, ParsedDefinition } from './validate.js';

export class FaultProxy implements ConnectionHost {
  readonly name: string;
  private listen: Address;
  upstream: Address;
  private enabled: boolean;
  private server: Server | undefined;
  /** Where the listener was last bound: a re-enabled proxy comes back on the same port. */
  private bound: Address | undefined;
  private readonly connections = new Set<Connection>();
  private readonly drained = new Set<() => void>();
  toxics: ActiveToxic[] = [];
  private seq = 0;

  private constructor(definition: ParsedDefinition) {
    this.name = definition.name;
    this.listen = definition.listen;
    this.upstream = definition.upstream;
    this.enabled = definition.enabled;
  }

  /** A proxy that is listening (when enabled), or an error and nothing bound. */
  static async open(definition: ParsedDefinition): Promise<FaultProxy> {
    const proxy = new FaultProxy(definition);
    if (proxy.enabled) proxy.useServer(await bind(proxy.listen, proxy.accept));
    return proxy;
  }

  info(): ProxyInfo {
    return {
      name: this.name,
      listen: this.listen.text,
      address: (this.bound ?? this.listen).text,
      upstream: this.upstream.text,
      enabled: this.enabled,
      toxics: this.toxics.map((toxic) => toxic.spec),
      connections: this.connections.size,
    };
  }

  /** All or nothing: a new listener is bound before anything else changes. */
  async reconfigure(changes: ParsedChanges): Promise<void> {
    const enabled = changes.enabled ?? this.enabled;
    const moved = changes.listen !== undefined && changes.listen.text !== this.listen.text;
    const listen = moved && changes.listen ? changes.listen : this.listen;
    const server = enabled && (moved || !this.enabled) ? await bind(moved ? listen : (this.bound ?? listen), this.accept) : undefined;
    if (changes.upstream) this.upstream = changes.upstream;
    if (moved) {
      this.listen = listen;
      this.bound = undefined;
    }
    if (server || !enabled) this.stopListening();
    if (server) this.useServer(server);
    if (!enabled) for (const connection of this.connections) connection.close();
    this.enabled = enabled;
  }

  addToxic(spec: ToxicSpec): void {
    if (this.toxics.some((toxic) => toxic.spec.id === spec.id)) {
      throw new ProxyError('FD_TOXIC_EXISTS', `toxic "${spec.id}" already exists on proxy "${this.name}"`, { field: 'id' });
    }
    const toxic: ActiveToxic = { spec, seq: this.seq++, definition: toxicDefinition(spec.attributes.type) };
    this.toxics = [...this.toxics, toxic];
    for (const connection of this.connections) connection.attach(toxic);
  }

  updateToxic(spec: ToxicSpec): void {
    const index = this.indexOf(spec.id);
    const toxic: ActiveToxic = { spec, seq: this.toxics[index]?.seq ?? this.seq++, definition: toxicDefinition(spec.attributes.type) };
    this.toxics = this.toxics.map((current, i) => (i === index ? toxic : current));
    for (const connection of this.connections) connection.update(toxic);
  }

  /** The toxic is gone for new connections at once; resolves when open ones have handed on what it held. */
  async removeToxic(id: string): Promise<void> {
    const index = this.indexOf(id);
    this.toxics = this.toxics.filter((_, i) => i !== index);
    await Promise.all([...this.connections].map((connection) => connection.detach(id)));
  }

  /** Stops the listener and destroys every connection; resolves when all are gone. */
  async close(): Promise<void> {
    const server = this.server;
    this.stopListening();
    const gone = this.connections.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.drained.add(resolve));
    for (const connection of this.connections) connection.destroy();
    await Promise.all([gone, server ? unbind(server) : undefined]);
  }

  closed(connection: Connection): void {
    this.connections.delete(connection);
    if (this.connections.size > 0) return;
    for (const resolve of this.drained) resolve();
    this.drained.clear();
  }

  private readonly accept = (socket: Socket): void => {
    this.connections.add(new Connection(socket, this));
  };

  private useServer(server: Server): void {
    this.server = server;
    this.bound = boundAddress(server);
  }

  /** The port refuses connections from now on; connections already accepted are not touched. */
  private stopListening(): void {
    if (this.server) void unbind(this.server);
    this.server = undefined;
  }

  private indexOf(id: string): number {
    const index = this.toxics.findIndex((toxic) => toxic.spec.id === id);
    if (index < 0) throw new ProxyError('FD_TOXIC_NOT_FOUND', `toxic "${id}" not found on proxy "${this.name}"`, { field: 'id' });
    return index;
  }
}
