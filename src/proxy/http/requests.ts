import type { ToxicAttributes } from '../api.js';
import { TimedQueue, now } from '../toxics/timed-queue.js';
import type { Toxic, ToxicContext } from '../toxics/toxic.js';
import type { Entry, Exchange } from './exchange.js';
import { answerBytes } from './exchange.js';
import type { Framing, Piece } from './framer.js';
import { Framer } from './framer.js';
import type { Head } from './head.js';
import { contentLength, isChunked, plausibleStart, wantsClose } from './head.js';
import type { HttpAction } from './rule.js';
import { PASS } from './rule.js';

/** Where a request's bytes go: forwarded at `at` (0: now), or dropped because the toxic answers it. */
type Current = { readonly at: number; readonly answer?: Extract<Entry, { kind: 'answer' }>; readonly action: HttpAction };

/** Bodies are framed by Content-Length or chunked coding; an upgrade or CONNECT ends HTTP here. */
function requestFraming(head: Head): Framing {
  if (head.method === 'CONNECT' || head.headers.has('upgrade')) return 'opaque';
  const te = head.headers.get('transfer-encoding');
  if (te !== undefined) return isChunked(te) ? 'chunked' : 'opaque';
  const cl = head.headers.get('content-length');
  if (cl === undefined) return { length: 0 };
  const length = contentLength(cl);
  return length === undefined ? 'opaque' : { length };
}

/**
 * The requests side of an HTTP toxic (client → upstream). It starts framing at the first chunk
 * that begins like a request line: at once on a new connection, at the next request on one that
 * was open when the toxic came (a chunk in the middle of a body does not start like a request
 * line, so it passes and the toxic waits for the next chunk). Requests it does not act on are
 * forwarded byte for byte; non-HTTP traffic turns the framer opaque and passes untouched.
 */
export class RequestSide<A extends ToxicAttributes> implements Toxic {
  private framer: Framer | undefined;
  private current: Current | undefined;
  private readonly out: TimedQueue;
  private retiring = false;
  /** After answering a request that waited for `100 Continue`, nothing more can be framed. */
  private discarding = false;

  constructor(
    private readonly exchange: Exchange,
    private attributes: A,
    private readonly decide: (attributes: A, head: Head) => HttpAction,
    private readonly ctx: ToxicContext,
  ) {
    this.out = new TimedQueue(ctx);
  }

  write(chunk: Buffer): void {
    if (this.discarding) return this.ctx.dropped(chunk.length);
    if (!this.framer) {
      if (this.retiring || this.exchange.broken || !plausibleStart('request', chunk)) return this.out.add(chunk, 0);
      this.framer = new Framer('request', requestFraming);
    }
    for (const piece of this.framer.feed(chunk)) this.take(piece);
    if (this.retiring && !this.current) this.leave();
  }

  end(): void {
    // A request cut short by FIN is never answered: let the responses side move past it.
    const answer = this.current?.answer;
    if (answer && answer.bytes === undefined) this.exchange.ready(answer, Buffer.alloc(0));
    this.current = undefined;
    this.out.addEnd(0);
    if (this.retiring) this.leave();
  }

  /**
   * Delayed requests go now. A request being answered must still be read to its end, or its
   * body would reach the upstream as a request of its own; after an answer to `100-continue`
   * the toxic stays until the connection it closes is gone.
   */
  flush(): 'later' | undefined {
    this.retiring = true;
    this.out.flush();
    if (this.current?.answer || this.discarding) return 'later';
    this.exchange.requestsGone = true;
    this.exchange.drain();
    return undefined;
  }

  stop(): void {
    this.out.stop();
    this.exchange.requestsGone = true;
  }

  /** Applies from the next request on. */
  update(attributes: A): void {
    this.attributes = attributes;
  }

  private take(piece: Piece): void {
    if (this.discarding) return this.ctx.dropped(piece.kind === 'end' ? 0 : piece.bytes.length);
    switch (piece.kind) {
      case 'head':
        return this.start(piece.head, piece.bytes);
      case 'body':
        if (this.current?.answer) return this.ctx.dropped(piece.bytes.length);
        return this.out.add(piece.bytes, this.current?.at ?? 0);
      case 'end': {
        const current = this.current;
        this.current = undefined;
        if (current?.answer) this.answer(current);
        return;
      }
      case 'opaque':
        this.current = undefined;
        return this.out.add(piece.bytes, 0);
    }
  }

  private start(head: Head, bytes: Buffer): void {
    if (this.exchange.broken) {
      // The responses side lost track: nothing can be answered in order any more, stop framing.
      this.framer?.giveUp();
      this.current = undefined;
      return this.out.add(bytes, 0);
    }
    const tunnel = head.method === 'CONNECT' || head.headers.has('upgrade');
    const action = this.retiring || tunnel ? PASS : this.decide(this.attributes, head);
    if (action.kind !== 'abort') {
      this.exchange.forward(head.method);
      const at = action.kind === 'delay' ? now() + action.ms : 0;
      this.current = { at, action };
      return this.out.add(bytes, at);
    }
    this.ctx.dropped(bytes.length);
    // A client waiting for `100 Continue` may or may not send its body once answered: the framing
    // is lost, so answer at once, discard the rest of the stream and close the connection.
    const expects = /100-continue/i.test(head.headers.get('expect') ?? '');
    this.current = { at: 0, answer: this.exchange.answer(wantsClose(head), expects), action };
    if (expects) {
      this.answer(this.current);
      this.discarding = true;
    }
  }

  private answer({ answer, action }: Current): void {
    if (!answer || answer.bytes !== undefined || action.kind !== 'abort') return;
    this.exchange.ready(answer, answerBytes(action.status, action.body, answer.close));
  }

  private leave(): void {
    if (this.exchange.requestsGone) return;
    this.exchange.requestsGone = true;
    this.ctx.retired();
    this.exchange.drain();
  }
}
