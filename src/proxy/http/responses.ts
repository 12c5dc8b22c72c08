import type { Toxic, ToxicContext } from '../toxics/toxic.js';
import type { Exchange } from './exchange.js';
import type { Framing, Piece } from './framer.js';
import { Framer } from './framer.js';
import type { Head } from './head.js';
import { contentLength, isChunked } from './head.js';

/** RFC 9112 §6.3: which responses have a body and how it ends. */
function responseFraming(head: Head, method: string | undefined): Framing {
  if (method === undefined || head.status === 101) return 'opaque';
  if (method === 'CONNECT' && head.status >= 200 && head.status < 300) return 'opaque';
  if (method === 'HEAD' || head.status < 200 || head.status === 204 || head.status === 304) return { length: 0 };
  const te = head.headers.get('transfer-encoding');
  if (te !== undefined) return isChunked(te) ? 'chunked' : 'until-close';
  const cl = head.headers.get('content-length');
  if (cl === undefined) return 'until-close';
  const length = contentLength(cl);
  return length === undefined ? 'opaque' : { length };
}

/**
 * The responses side of an HTTP toxic (upstream → client). It frames the upstream's responses
 * only to know where each one ends, so that an answer made up by the toxic is written between
 * two responses, in the order of the requests; the bytes pass unchanged. It starts framing with
 * the first chunk after the toxic forwarded its first request.
 */
export class ResponseSide implements Toxic {
  private framer: Framer | undefined;
  /** Between the head and the end of an upstream response: nothing may be written in between. */
  private inResponse = false;
  private status = 0;
  private closed = false;
  private retiring = false;
  private left = false;

  constructor(
    private readonly exchange: Exchange,
    private readonly ctx: ToxicContext,
  ) {
    exchange.drain = () => this.drain();
  }

  write(chunk: Buffer): void {
    if (this.closed) return this.ctx.dropped(chunk.length);
    if (!this.framer) {
      if (this.exchange.forwarded === 0 || this.exchange.broken) return this.ctx.push(chunk);
      this.framer = new Framer('response', (head) => responseFraming(head, this.pendingMethod()));
    }
    for (const piece of this.framer.feed(chunk)) this.take(piece);
  }

  /** The upstream closed: answers that are ready still go, before the FIN. */
  end(): void {
    this.exchange.broken = true;
    this.inResponse = false;
    this.drain();
    if (!this.closed) this.ctx.end();
    this.closed = true;
  }

  flush(): 'later' | undefined {
    this.retiring = true;
    if (!this.done()) return 'later';
    this.left = true;
    return undefined;
  }

  /** Attributes live on the requests side; present so that an update keeps this side in place. */
  update(): void {}

  private take(piece: Piece): void {
    if (this.closed) return this.ctx.dropped(piece.kind === 'end' ? 0 : piece.bytes.length);
    switch (piece.kind) {
      case 'head':
        this.inResponse = true;
        this.status = piece.head.status;
        return this.ctx.push(piece.bytes);
      case 'body':
        return this.ctx.push(piece.bytes);
      case 'end':
        this.inResponse = false;
        // 1xx responses are interim: the final response to the same request follows.
        if (this.status >= 200) this.exchange.entries.shift();
        return this.drain();
      case 'opaque':
        this.lose();
        return this.ctx.push(piece.bytes);
    }
  }

  /** The method of the request the next response answers; undefined when there is none. */
  private pendingMethod(): string | undefined {
    const entry = this.exchange.entries.peek();
    return entry?.kind === 'upstream' ? entry.method : undefined;
  }

  /** Not HTTP any more (or not in step): stop answering, let ready answers out, pass the rest. */
  private lose(): void {
    this.exchange.broken = true;
    this.inResponse = false;
    this.framer?.giveUp();
    this.drain();
  }

  /** Writes the answers at the front of the queue; in order unless the exchange is broken. */
  private drain(): void {
    const { entries } = this.exchange;
    while (!this.inResponse && !this.closed) {
      const entry = entries.peek();
      if (!entry) break;
      if (entry.kind === 'upstream') {
        if (!this.exchange.broken) break;
        entries.shift();
        continue;
      }
      if (entry.bytes === undefined) break;
      entries.shift();
      this.exchange.pendingAnswers--;
      this.ctx.injected(entry.bytes.length);
      this.ctx.push(entry.bytes);
      if (entry.closeConnection) {
        this.closed = true;
        this.ctx.close();
      } else if (entry.close) {
        this.closed = true;
        this.ctx.end();
      }
    }
    if (this.retiring && !this.left && this.done()) {
      this.left = true;
      this.ctx.retired();
    }
  }

  private done(): boolean {
    return this.exchange.requestsGone && (this.exchange.pendingAnswers === 0 || this.closed);
  }
}
