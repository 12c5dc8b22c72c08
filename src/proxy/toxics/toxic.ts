import type { z } from 'zod';
import type { ToxicAttributes, ToxicType } from '../api.js';

/** Which way a link carries data: `upstream` is client → upstream, `downstream` upstream → client. */
export type Direction = 'upstream' | 'downstream';

/**
 * What a toxic can do to the link it sits on. `push` and `end` hand data on to the next toxic of
 * the chain, or to the destination socket; a toxic never writes to a socket itself.
 */
export interface ToxicContext {
  readonly direction: Direction;
  /** Hands a chunk on. */
  push(chunk: Buffer): void;
  /** Hands the end of the stream (FIN) on; nothing may be pushed after it. */
  end(): void;
  /**
   * Bytes this toxic discarded on purpose (blackhole, an aborted request). The link counts the
   * bytes between its source and its destination to apply backpressure; what is dropped must be
   * declared or the source would stay paused.
   */
  dropped(bytes: number): void;
  /** Bytes this toxic made up (an HTTP response it answers itself), counterpart of `dropped`. */
  injected(bytes: number): void;
  /** Closes the whole connection gracefully: FIN both ways after what was already pushed. */
  close(): void;
  /** Resets the whole connection: RST both ways. */
  reset(): void;
  /** A toxic whose `flush` answered `'later'` calls this once it may leave the chain. */
  retired(): void;
}

/**
 * One toxic on one link of one connection. Only `write` is required: a toxic holding nothing,
 * treating FIN like the others and owning no timer needs nothing else (like Toxiproxy's `Pipe`).
 *
 *   previous toxic (or the source socket) ──write/end──▶ toxic ──ctx.push/ctx.end──▶ next
 */
export interface Toxic {
  /** A chunk arrived: push it, hold it or drop it; the order of what is pushed is the order received. */
  write(chunk: Buffer): void;
  /** The source sent FIN. Default: handed on at once. */
  end?(): void;
  /**
   * The toxic is being removed: push everything it holds now, in order ("don't drop any data on
   * the floor"). Answer `'later'` when it cannot leave at once (an HTTP request half read) and
   * call `ctx.retired()` when it can. Default: it holds nothing.
   */
  flush?(): 'later' | undefined;
  /** The connection is gone or the toxic removed: clear timers. Nothing may be pushed afterwards. */
  stop?(): void;
  /** New attributes of the same type, applied in place; without it an update replaces the toxic. */
  update?(attributes: ToxicAttributes): void;
}

/** A TCP toxic: one independent instance per link it applies to. */
export interface LinkToxicDefinition<A extends ToxicAttributes = ToxicAttributes> {
  readonly type: A['type'];
  readonly kind: 'link';
  /** Validates `attributes` (including `type`); unknown keys are errors. */
  readonly schema: z.ZodType<A>;
  create(attributes: A, ctx: ToxicContext): Toxic;
}

/** An HTTP toxic: a pair on every connection, one on the requests, one on the responses. */
export interface HttpToxicDefinition<A extends ToxicAttributes = ToxicAttributes> {
  readonly type: A['type'];
  readonly kind: 'http';
  readonly schema: z.ZodType<A>;
  create(attributes: A, requests: ToxicContext, responses: ToxicContext): { requests: Toxic; responses: Toxic };
}

export type ToxicDefinition = LinkToxicDefinition | HttpToxicDefinition;

/** Narrows the attribute union for one toxic type. */
export type AttributesOf<T extends ToxicType> = Extract<ToxicAttributes, { type: T }>;
