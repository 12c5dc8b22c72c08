import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Address } from './address.js';
import type { ConnectionControl, Stage } from './stage.js';
import { Link } from './link.js';
import type { ActiveToxic } from './active-toxic.js';
import { attachToxic, canUpdateInPlace } from './active-toxic.js';
import { upstreamLookup } from './upstream-lookup.js';

/** What a connection needs from its proxy. */
export interface ConnectionHost {
  readonly upstream: Address;
  /** The proxy's toxics, in the order they were added. */
  readonly toxics: readonly ActiveToxic[];
  closed(connection: Connection): void;
}

/** A toxic as it met this connection: whether its toxicity draw said yes, and its stages. */
interface Met {
  toxic: ActiveToxic;
  applies: boolean;
  stages: Stage[];
}

/** After a graceful close, how long a peer gets to answer our FIN before the socket is destroyed. */
const LINGER_MS = 2000;

/**
 * One client connection and its upstream connection, joined by two links. FIN travels as FIN
 * (each direction on its own: half-close works), a reset as a reset, any other error on one side
 * closes the other; an upstream that cannot be reached (refused, or its host does not resolve)
 * closes the client connection.
 */
export class Connection implements ConnectionControl {
  private readonly upstream: Socket;
  private links: { upstream: Link; downstream: Link } | undefined;
  private readonly met = new Map<string, Met>();
  private open = 0;
  private closing = false;
  private finished = false;

  constructor(
    private readonly client: Socket,
    private readonly host: ConnectionHost,
  ) {
    const { host: upstreamHost, port } = host.upstream;
    this.upstream = connect({ host: upstreamHost, port, noDelay: true, allowHalfOpen: true, lookup: upstreamLookup });
    for (const [socket, other] of [
      [client, this.upstream],
      [this.upstream, client],
    ] as const) {
      this.open++;
      socket.on('error', (error: NodeJS.ErrnoException) => this.failed(other, error));
      socket.once('close', () => this.socketClosed(other));
    }
    this.upstream.once('connect', () => this.start());
  }

  /** Sets up both links, then lets each toxic of the proxy meet the connection. */
  private start(): void {
    if (this.closing || this.finished || this.client.destroyed) return;
    this.links = {
      upstream: new Link('upstream', this.client, this.upstream, this),
      downstream: new Link('downstream', this.upstream, this.client, this),
    };
    this.links.upstream.start();
    this.links.downstream.start();
    for (const toxic of this.host.toxics) this.attach(toxic);
  }

  /** Toxicity is drawn here, once per (connection, toxic). */
  attach(toxic: ActiveToxic): void {
    if (!this.links) return;
    const met: Met = { toxic, applies: toxic.definition.kind === 'http' || Math.random() < toxic.spec.toxicity, stages: [] };
    this.met.set(toxic.spec.id, met);
    if (met.applies) met.stages = attachToxic(toxic, this.links);
  }

  /**
   * Applies new attributes. Same type: in place. Otherwise (or when a new toxicity draw changes
   * whether it applies) the new toxic goes in first and the old one hands on what it holds.
   */
  update(toxic: ActiveToxic): void {
    const met = this.met.get(toxic.spec.id);
    if (!met || !this.links) return this.attach(toxic);
    const redraw = toxic.definition.kind !== 'http' && toxic.spec.toxicity !== met.toxic.spec.toxicity;
    const applies = redraw ? Math.random() < toxic.spec.toxicity : met.applies;
    if (met.applies && applies && canUpdateInPlace(met, toxic)) {
      for (const stage of met.stages) stage.toxic.update?.(toxic.spec.attributes);
      met.toxic = toxic;
      return;
    }
    const old = met.stages;
    Object.assign(met, { toxic, applies, stages: applies ? attachToxic(toxic, this.links) : [] });
    void this.retire(old);
  }

  /** Resolves once what the toxic held on this connection was handed on (or the connection closed). */
  detach(id: string): Promise<void> {
    const met = this.met.get(id);
    this.met.delete(id);
    return met ? this.retire(met.stages) : Promise.resolve();
  }

  /** Graceful: FIN both ways after what was written, data read from now on dropped. */
  close(): void {
    if (this.closing) return;
    this.stopLinks();
    for (const socket of [this.client, this.upstream]) {
      if (socket.destroyed) continue;
      socket.end();
      socket.resume();
      const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
      socket.once('close', () => clearTimeout(timer));
    }
  }

  /** RST both ways. */
  reset(): void {
    this.stopLinks();
    for (const socket of [this.client, this.upstream]) if (!socket.destroyed) socket.resetAndDestroy();
  }

  /** At once, whatever is buffered: the proxy is going away. */
  destroy(): void {
    this.stopLinks();
    this.client.destroy();
    this.upstream.destroy();
  }

  /** Requests side first: an HTTP toxic's responses side leaves only after it. */
  private async retire(stages: Stage[]): Promise<void> {
    const links = this.links;
    if (!links) return;
    await Promise.all(stages.map((stage) => (stage.ctx.direction === 'upstream' ? links.upstream : links.downstream).retire(stage)));
  }

  private stopLinks(): void {
    this.closing = true;
    this.met.clear();
    this.links?.upstream.discard();
    this.links?.downstream.discard();
  }

  private failed(other: Socket, error: NodeJS.ErrnoException): void {
    if (other.destroyed) return;
    if (other === this.client && !this.links) return this.close();
    if (error.code === 'ECONNRESET') other.resetAndDestroy();
    else other.destroy();
  }

  /**
   * One side is gone. The other is left to finish on its own when its peer already sent FIN (a
   * toxic may still hold the FIN going to it); otherwise nobody would end it: close it.
   */
  private socketClosed(other: Socket): void {
    if (--this.open > 0) {
      if (!other.destroyed && !other.readableEnded) this.close();
      return;
    }
    this.finished = true;
    this.stopLinks();
    this.host.closed(this);
  }
}
