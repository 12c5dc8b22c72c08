import { STATUS_CODES } from 'node:http';
import { Fifo } from '../fifo.js';

/** What the requests side has done with each request, in the order the client sent them. */
export type Entry =
  /** Forwarded to the upstream, which answers it. */
  | { readonly kind: 'upstream'; readonly method: string }
  /**
   * Answered by the toxic; `bytes` is set once the whole request has been read. `close`: the
   * answer says `Connection: close` and ends the client's side; `closeConnection`: the whole
   * connection is closed after it.
   */
  | { readonly kind: 'answer'; bytes: Buffer | undefined; readonly close: boolean; readonly closeConnection: boolean };

/**
 * The state shared by the two sides of one HTTP toxic on one connection. HTTP/1.1 answers in
 * request order, so an answer the toxic makes up must wait for the upstream's responses to the
 * requests before it: the requests side queues entries, the responses side consumes them.
 */
export class Exchange {
  readonly entries = new Fifo<Entry>();
  /** Answers queued and not yet written (or dropped). */
  pendingAnswers = 0;
  /** Requests forwarded so far: the responses side starts framing after the first one. */
  forwarded = 0;
  /** The responses side lost track (not HTTP, an upgrade): stop answering, pass everything. */
  broken = false;
  /** The requests side has left the chain. */
  requestsGone = false;
  /** Set by the responses side: writes whatever answers can be written now. */
  drain: () => void = () => undefined;

  forward(method: string): void {
    this.forwarded++;
    this.entries.push({ kind: 'upstream', method });
  }

  answer(close: boolean, closeConnection = false): Extract<Entry, { kind: 'answer' }> {
    const entry = { kind: 'answer' as const, bytes: undefined, close: close || closeConnection, closeConnection };
    this.pendingAnswers++;
    this.entries.push(entry);
    return entry;
  }

  ready(entry: Extract<Entry, { kind: 'answer' }>, bytes: Buffer): void {
    entry.bytes = bytes;
    this.drain();
  }
}

/** A complete, well-formed response with a length, so the connection stays usable after it. */
export function answerBytes(status: number, body: string, close: boolean): Buffer {
  const payload = Buffer.from(body, 'utf8');
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}`,
    `Content-Length: ${payload.length}`,
    ...(payload.length > 0 ? ['Content-Type: text/plain; charset=utf-8'] : []),
    `Connection: ${close ? 'close' : 'keep-alive'}`,
    '',
    '',
  ];
  return Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), payload]);
}
