/**
 * One SMTP connection, kept open between messages, and one delivery attempt on it, classified
 * by what the sender may do next.
 *
 *   claim ─▶ connect + STARTTLS + AUTH ─▶ MAIL FROM, RCPT TO, DATA ─▶ 354 ─▶ body ─▶ "." ─▶ reply
 *                                                                     └─ GuardedBody ─┘
 *
 * Whether a message may be sent again after an error depends on one fact: did the terminating
 * "." leave? nodemailer's SMTPConnection reads the body stream only after the server accepted
 * DATA and writes "." only when the stream ends, so the body we hand it ends last of all. Until
 * its final chunk is pushed, the server cannot have accepted the message: retrying is safe. After
 * it, a reply tells; no reply (the connection dropped, a timeout) means nobody knows, and the
 * attempt is `uncertain` — never retried (see smtp-sender.ts for why).
 */
import { Readable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';

export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  /**
   * `tls`: TLS from the first byte (port 465); `starttls`: upgrade required, fail without it;
   * `opportunistic`: upgrade when offered; `none`: plain text (a local relay, tests).
   */
  readonly security: 'tls' | 'starttls' | 'opportunistic' | 'none';
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Passed to tls.connect: `ca`, `rejectUnauthorized`, `servername`, `minVersion`… */
  readonly tls?: ConnectionOptions;
  /** The name sent with EHLO; nodemailer's default is the host name. */
  readonly clientName?: string;
  /** Connection, greeting and socket inactivity limit; 30 s when absent. */
  readonly timeoutMs?: number;
}

export type Attempt =
  | { readonly kind: 'sent'; readonly response: string }
  /** The server answered 4xx, or went away before the message was complete: send again later. */
  | { readonly kind: 'temporary'; readonly reason: string; readonly answered: boolean }
  /** The server answered 5xx to this message: do not send it again. */
  | { readonly kind: 'permanent'; readonly reason: string }
  /** The whole message left and no reply came: it may or may not have been accepted. */
  | { readonly kind: 'uncertain'; readonly reason: string }
  /** halt() stopped the body before its end: the message did not leave. */
  | { readonly kind: 'halted' }
  /** The connection cannot work as configured (authentication or TLS refused): stop sending. */
  | { readonly kind: 'fatal'; readonly reason: string };

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
}

const CHUNK = 64 * 1024;
/** nodemailer's codes for a message it will not send, whatever the server. */
const CLIENT_REFUSALS = new Set(['EENVELOPE', 'EMESSAGE', 'EREQUIRETLS']);

/** A message body that can be stopped between chunks and knows whether its end was pushed. */
class GuardedBody extends Readable {
  private offset = 0;
  /** The last chunk and the end were handed over: "." may be on the wire. */
  complete = false;
  stopped = false;

  constructor(private readonly raw: Buffer) {
    super();
  }

  override _read(): void {
    if (this.stopped) {
      this.destroy(new Error('halted'));
      return;
    }
    const chunk = this.raw.subarray(this.offset, this.offset + CHUNK);
    this.offset += chunk.length;
    this.push(chunk);
    if (this.offset >= this.raw.length) {
      this.complete = true;
      this.push(null);
    }
  }
}

export class SmtpLink {
  private connection: SMTPConnection | undefined;
  private broken = false;
  private body: GuardedBody | undefined;
  /** True when the last attempt ran on a connection opened for an earlier message. */
  reused = false;
  private readonly halting = new AbortController();

  constructor(private readonly settings: SmtpSettings) {}

  /** One delivery of `raw` to one recipient; never throws. */
  async attempt(from: string, to: string, raw: Buffer): Promise<Attempt> {
    if (this.halting.signal.aborted) return { kind: 'halted' };
    let connection: SMTPConnection;
    try {
      this.reused = this.connection !== undefined && !this.broken;
      connection = await unlessHalted(this.open(), this.halting.signal);
    } catch (error) {
      this.close();
      if (this.halting.signal.aborted) return { kind: 'halted' };
      return connectFailure(error as SmtpError);
    }
    const body = new GuardedBody(raw);
    this.body = body;
    try {
      const sent = new Promise<{ response: string }>((resolve, reject) => {
        connection.send({ from, to: [to] }, body, (error, result) =>
          error ? reject(error) : resolve({ response: result?.response ?? '' }),
        );
      });
      const info = await unlessHalted(sent, this.halting.signal);
      return { kind: 'sent', response: info.response };
    } catch (error) {
      this.close();
      return sendFailure(error as SmtpError, body);
    } finally {
      this.body = undefined;
    }
  }

  /**
   * Halt: stops what has not fully left. A body whose last byte was handed over is left to get
   * its reply (which says whether it was delivered); anything earlier is cut and reported
   * `halted` by the attempt in flight, and no attempt starts again.
   */
  halt(): void {
    const body = this.body;
    if (body?.complete) {
      this.halting.abort(FINISHING);
      return;
    }
    if (body) body.stopped = true;
    this.halting.abort();
    this.close();
  }

  close(): void {
    const connection = this.connection;
    this.connection = undefined;
    this.broken = false;
    if (connection) connection.close();
  }

  /** QUIT politely when idle. */
  quit(): void {
    const connection = this.connection;
    this.connection = undefined;
    if (connection && !this.broken) connection.quit();
    else connection?.close();
  }

  private async open(): Promise<SMTPConnection> {
    if (this.connection && !this.broken) return this.connection;
    this.close();
    const { settings } = this;
    const timeout = settings.timeoutMs ?? 30_000;
    const connection = new SMTPConnection({
      host: settings.host,
      port: settings.port,
      secure: settings.security === 'tls',
      requireTLS: settings.security === 'starttls',
      ignoreTLS: settings.security === 'none',
      opportunisticTLS: settings.security === 'opportunistic',
      ...(settings.tls && { tls: settings.tls }),
      ...(settings.clientName !== undefined && { name: settings.clientName }),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      socketCloseTimeout: 0,
      logger: false,
    });
    // An unheard 'error' event would crash the process; the send's callback carries the error.
    connection.on('error', () => {
      if (this.connection === connection) this.broken = true;
    });
    connection.on('end', () => {
      if (this.connection === connection) this.broken = true;
    });
    this.connection = connection;
    this.broken = false;
    await step(connection, (done) => connection.connect(done));
    const { auth } = settings;
    if (auth) await step(connection, (done) => connection.login({ user: auth.user, pass: auth.pass }, done));
    return connection;
  }
}

/**
 * Runs one step of a session. nodemailer reports a connection that fails during connect only
 * with an 'error' event, never through connect's callback: listen to both.
 */
function step(connection: SMTPConnection, start: (done: (error?: Error | null) => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (error: Error): void => finish(error);
    const ended = (): void => finish(new Error('the server closed the connection'));
    function finish(error?: Error | null): void {
      connection.off('error', fail);
      connection.off('end', ended);
      if (error) reject(error);
      else resolve();
    }
    connection.once('error', fail);
    connection.once('end', ended);
    start(finish);
  });
}

/** The reason halt() gives when a message already left: its reply is awaited, not cut. */
const FINISHING = Symbol('finishing');

/** Rejects as soon as halt() cuts, so a connect to a silent server does not hold halt up. */
function unlessHalted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted && signal.reason !== FINISHING) return Promise.reject(new Error('halted'));
  return new Promise<T>((resolve, reject) => {
    const cut = (): void => {
      if (signal.reason !== FINISHING) reject(new Error('halted'));
    };
    signal.addEventListener('abort', cut, { once: true });
    const settle = (): void => signal.removeEventListener('abort', cut);
    promise.then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function describe(error: SmtpError): string {
  return error.response ? `${error.code ?? 'error'}: ${error.response}` : `${error.code ?? 'error'}: ${error.message}`;
}

function connectFailure(error: SmtpError): Attempt {
  const code = error.responseCode;
  if (error.code === 'EAUTH' || error.code === 'ETLS' || (code !== undefined && code >= 500))
    return { kind: 'fatal', reason: describe(error) };
  return { kind: 'temporary', reason: describe(error), answered: false };
}

function sendFailure(error: SmtpError, body: GuardedBody): Attempt {
  if (body.stopped) return { kind: 'halted' };
  const code = error.responseCode;
  if (code !== undefined && code >= 500) return { kind: 'permanent', reason: describe(error) };
  if (code !== undefined && code >= 400) return { kind: 'temporary', reason: describe(error), answered: true };
  // nodemailer refused the message itself (an address it cannot send to, larger than the
  // server's SIZE): nothing was sent, and nothing would change on a retry.
  if (code === undefined && CLIENT_REFUSALS.has(error.code ?? '')) return { kind: 'permanent', reason: describe(error) };
  if (!body.complete) return { kind: 'temporary', reason: describe(error), answered: false };
  return { kind: 'uncertain', reason: `the message left and no reply came (${describe(error)})` };
}
