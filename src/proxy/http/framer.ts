import type { Head } from './head.js';
import { parseHead, plausibleStart } from './head.js';

/**
 * Splits an HTTP/1.x byte stream into messages without copying or changing a byte: the pieces
 * put back together are exactly the input. Bodies are framed by Content-Length or chunked
 * transfer coding (responses also by the close of the connection). Anything that is not
 * well-formed HTTP turns the rest of the stream `opaque`: it passes untouched.
 */
export type Piece =
  | { readonly kind: 'head'; readonly head: Head; readonly bytes: Buffer }
  | { readonly kind: 'body'; readonly bytes: Buffer }
  | { readonly kind: 'end' }
  | { readonly kind: 'opaque'; readonly bytes: Buffer };

/** How the body of the message whose head was just read is framed. */
export type Framing = { readonly length: number } | 'chunked' | 'until-close' | 'opaque';

const MAX_HEAD = 64 * 1024;
const MAX_LINE = 4096;
const CRLFCRLF = Buffer.from('\r\n\r\n');

type State =
  | { name: 'head' }
  | { name: 'length'; left: number }
  | { name: 'chunk-size'; line: string }
  | { name: 'chunk-data'; left: number }
  | { name: 'chunk-end'; seen: number }
  | { name: 'trailers'; lineLength: number; total: number }
  | { name: 'until-close' }
  | { name: 'opaque' };

export class Framer {
  private state: State = { name: 'head' };
  private held: Buffer[] = [];
  private heldLength = 0;

  /** `framing` decides, from a head, how its body is delimited (requests and responses differ). */
  constructor(
    private readonly kind: 'request' | 'response',
    private readonly framing: (head: Head) => Framing,
  ) {}

  get opaque(): boolean {
    return this.state.name === 'opaque';
  }

  /** True between messages: nothing of a message has been seen or held. */
  get idle(): boolean {
    return this.state.name === 'head' && this.heldLength === 0;
  }

  /** Gives up on the rest of the stream: from now on everything is `opaque`. */
  giveUp(): void {
    this.state = { name: 'opaque' };
  }

  feed(chunk: Buffer): Piece[] {
    const pieces: Piece[] = [];
    let at = 0;
    while (at < chunk.length) {
      const state = this.state;
      if (state.name === 'opaque') {
        pieces.push({ kind: 'opaque', bytes: at === 0 ? chunk : chunk.subarray(at) });
        return pieces;
      }
      if (state.name === 'head') {
        at = this.readHead(chunk, at, pieces);
        continue;
      }
      const start = at;
      at = this.readBody(state, chunk, at);
      if (at > start) pieces.push({ kind: 'body', bytes: chunk.subarray(start, at) });
      if (this.state.name === 'head') pieces.push({ kind: 'end' });
    }
    return pieces;
  }

  /** Reads head bytes; holds a partial head (the only bytes ever held) until it is complete. */
  private readHead(chunk: Buffer, at: number, pieces: Piece[]): number {
    const rest = at === 0 ? chunk : chunk.subarray(at);
    const buffer = this.heldLength === 0 ? rest : Buffer.concat([...this.held, rest]);
    const end = buffer.indexOf(CRLFCRLF, Math.max(0, this.heldLength - 3));
    const headBytes = end < 0 ? buffer.length : end + 4;
    if (end < 0) {
      if (buffer.length > MAX_HEAD || !plausibleStart(this.kind, buffer)) return this.opaqueFrom(buffer, pieces, chunk.length);
      this.held = [buffer];
      this.heldLength = buffer.length;
      return chunk.length;
    }
    const head = headBytes <= MAX_HEAD ? parseHead(this.kind, buffer.subarray(0, headBytes)) : undefined;
    if (!head) return this.opaqueFrom(buffer, pieces, chunk.length);
    const consumed = headBytes - this.heldLength;
    this.held = [];
    this.heldLength = 0;
    pieces.push({ kind: 'head', head, bytes: buffer.subarray(0, headBytes) });
    const framing = this.framing(head);
    if (framing === 'opaque') this.state = { name: 'opaque' };
    else if (framing === 'chunked') this.state = { name: 'chunk-size', line: '' };
    else if (framing === 'until-close') this.state = { name: 'until-close' };
    else if (framing.length > 0) this.state = { name: 'length', left: framing.length };
    else pieces.push({ kind: 'end' });
    return at + consumed;
  }

  private opaqueFrom(buffer: Buffer, pieces: Piece[], chunkEnd: number): number {
    this.held = [];
    this.heldLength = 0;
    this.state = { name: 'opaque' };
    pieces.push({ kind: 'opaque', bytes: buffer });
    return chunkEnd;
  }

  /** Consumes body bytes from `at`; returns where the body (or the chunk) stops. */
  private readBody(state: Exclude<State, { name: 'head' | 'opaque' }>, chunk: Buffer, at: number): number {
    switch (state.name) {
      case 'until-close':
        return chunk.length;
      case 'length':
      case 'chunk-data': {
        const take = Math.min(state.left, chunk.length - at);
        state.left -= take;
        if (state.left === 0) this.state = state.name === 'length' ? { name: 'head' } : { name: 'chunk-end', seen: 0 };
        return at + take;
      }
      case 'chunk-end': {
        for (; at < chunk.length; at++) {
          if (chunk[at] !== (state.seen === 0 ? 0x0d : 0x0a)) return this.fail(at);
          if (++state.seen === 2) {
            this.state = { name: 'chunk-size', line: '' };
            return at + 1;
          }
        }
        return at;
      }
      case 'chunk-size': {
        const lf = chunk.indexOf(0x0a, at);
        const stop = lf < 0 ? chunk.length : lf;
        state.line += chunk.toString('latin1', at, stop);
        if (state.line.length > MAX_LINE) return this.fail(at);
        if (lf < 0) return chunk.length;
        const size = /^([0-9a-fA-F]{1,12})[ \t]*(;[^\r]*)?\r$/.exec(state.line);
        if (!size?.[1]) return this.fail(at);
        const length = parseInt(size[1], 16);
        this.state = length === 0 ? { name: 'trailers', lineLength: 0, total: 0 } : { name: 'chunk-data', left: length };
        return lf + 1;
      }
      case 'trailers': {
        for (; at < chunk.length; at++) {
          const byte = chunk[at];
          if (++state.total > MAX_HEAD) return this.fail(at);
          if (byte === 0x0a) {
            if (state.lineLength === 0) {
              this.state = { name: 'head' };
              return at + 1;
            }
            state.lineLength = 0;
          } else if (byte !== 0x0d) {
            state.lineLength++;
          }
        }
        return at;
      }
    }
  }

  /** The body is malformed: the bytes from `at` on are passed as they are. */
  private fail(at: number): number {
    this.state = { name: 'opaque' };
    return at;
  }
}
