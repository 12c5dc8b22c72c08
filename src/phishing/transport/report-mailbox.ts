/**
 * The reporting mailbox: an SMTP receiver that employees forward suspicious mail to. It finds
 * which recipient's lure was reported and tells the caller; it sends nothing (the thank-you is
 * the caller's) and keeps nothing but the match.
 *
 *   RCPT TO ─ one of `accept`? else 550 (never a relay)
 *   DATA ─▶ bytes in memory, at most maxBytes (else 552) ─▶ mailparser ─▶ findRecipient ─▶ onReport
 *                                                                 body dropped here ──┘
 *
 * Where the id is looked for, best first (`how`):
 *   header      X-Firedrill-Recipient on the mail itself (a redirect keeps the original headers)
 *   attachment  the original attached (.eml or message/rfc822): its header, else its links/text
 *   link        a link in the forwarded body (an inline forward keeps the tracking link)
 *   text        an id anywhere else in the text (a forward that quotes the headers)
 * A mail with no id is reported with `how: 'unmatched'`: someone reported something, which is
 * worth counting, and it is not an error.
 */
import type { SecureContextOptions } from 'node:tls';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { RECIPIENT_HEADER, RECIPIENT_ID_PATTERN } from './lure.js';

export type ReportHow = 'header' | 'attachment' | 'link' | 'text' | 'unmatched';

export interface MailboxReport {
  /** Undefined when `how` is 'unmatched'. */
  readonly recipientId: string | undefined;
  /** The forwarding mail's From address (else its envelope sender), lower-cased. */
  readonly reporter: string;
  readonly receivedAt: Date;
  readonly how: ReportHow;
}

export interface ReportMailboxOptions {
  /** Address to listen on; 127.0.0.1 when absent. */
  readonly host?: string;
  /** 0 picks a free port (see `port` on the result). */
  readonly port: number;
  /** The only recipients accepted (e.g. `report-phishing@corp.example`); any other is refused. */
  readonly accept: readonly string[];
  /** Largest message accepted, in bytes; 10 MiB when absent. */
  readonly maxBytes?: number;
  /** Offers STARTTLS with this key and certificate; plain SMTP when absent. */
  readonly tls?: { readonly key: SecureContextOptions['key']; readonly cert: SecureContextOptions['cert'] };
  /** Refuse mail until STARTTLS is done (needs `tls`). */
  readonly requireTls?: boolean;
  /** Only ids this accepts count (the campaign's own); every well-formed id when absent. */
  readonly isKnown?: (recipientId: string) => boolean | Promise<boolean>;
  /** Called once per accepted mail; when it throws the mail is answered 451 (the sender's server retries). */
  readonly onReport: (report: MailboxReport) => void | Promise<void>;
  readonly now?: () => Date;
}

export interface ReportMailbox {
  readonly port: number;
  close(): Promise<void>;
}

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
/** An attached mail may attach another (a forward of a forward): this deep, no more. */
const MAX_NESTING = 3;

/**
 * @example
 * const mailbox = await startReportMailbox({ port: 2525, accept: ['report@corp.example'], onReport: (r) => store.report(r) });
 */
export async function startReportMailbox(options: ReportMailboxOptions): Promise<ReportMailbox> {
  const accept = new Set(options.accept.map((a) => a.toLowerCase()));
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const now = options.now ?? (() => new Date());
  const isKnown = options.isKnown ?? (() => true);
  if (options.requireTls && !options.tls) throw new RangeError('requireTls needs tls (a key and a certificate)');
  const server = new SMTPServer({
    banner: 'report mailbox',
    logger: false,
    authOptional: true,
    disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(options.tls && { key: options.tls.key, cert: options.tls.cert }),
    size: maxBytes,
    closeTimeout: 1000,
    onMailFrom(_address, session, callback) {
      if (options.requireTls && !session.secure) return callback(smtpError(530, 'Must issue a STARTTLS command first'));
      callback();
    },
    onRcptTo(address, _session, callback) {
      if (!accept.has(address.address.toLowerCase())) return callback(smtpError(550, 'Relay denied: this mailbox accepts reports only'));
      callback();
    },
    onData(stream, session, callback) {
      receive(stream, session).then(
        () => callback(),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    },
  });

  const receive = async (stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> => {
    const raw = await readBounded(stream, maxBytes);
    if (raw === undefined) throw smtpError(552, `Message exceeds the fixed maximum message size of ${maxBytes} bytes`);
    const receivedAt = now();
    const mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
    const found = await findRecipient(mail, isKnown, raw);
    const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const reporter = (mail.from?.value[0]?.address ?? envelopeFrom).toLowerCase();
    try {
      await options.onReport({ recipientId: found?.recipientId, reporter, receivedAt, how: found?.how ?? 'unmatched' });
    } catch {
      throw smtpError(451, 'Report not recorded, try again later');
    }
  };

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  // A client's socket error must not bring the process down.
  server.on('error', () => undefined);
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The whole message, or undefined when it is larger than `maxBytes` (the rest is drained). */
function readBounded(stream: SMTPServerDataStream, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else chunks.length = 0;
    });
    stream.on('error', reject);
    stream.on('end', () => resolve(stream.sizeExceeded || size > maxBytes ? undefined : Buffer.concat(chunks)));
  });
}

interface Found {
  readonly recipientId: string;
  readonly how: Exclude<ReportHow, 'unmatched'>;
}

type Known = (recipientId: string) => boolean | Promise<boolean>;

/**
 * The reported recipient in a parsed mail, by the order in the header comment. `raw` is the
 * unparsed message: mailparser folds an attached message/rfc822 into the outer text and keeps
 * none of its headers, but such a part is never encoded (RFC 2046 §5.2.1), so its header lines
 * stand as they are in the raw body.
 */
export async function findRecipient(mail: ParsedMail, isKnown: Known, raw?: Buffer, depth = 0): Promise<Found | undefined> {
  const header = await firstKnown(idsIn(headerText(mail)), isKnown);
  if (header) return { recipientId: header, how: 'header' };
  const embedded = raw ? await firstKnown(embeddedHeaderIds(raw), isKnown) : undefined;
  if (embedded) return { recipientId: embedded, how: 'attachment' };
  if (depth < MAX_NESTING) {
    for (const attachment of mail.attachments) {
      if (!isAttachedMail(attachment.contentType, attachment.filename)) continue;
      const inner = await simpleParser(attachment.content, { skipImageLinks: true, skipTextToHtml: true });
      const found = await findRecipient(inner, isKnown, attachment.content, depth + 1);
      if (found) return { recipientId: found.recipientId, how: 'attachment' };
    }
  }
  const html = typeof mail.html === 'string' ? mail.html : '';
  const text = mail.text ?? '';
  const link = await firstKnown([...linksIn(html), ...urlsIn(text)].flatMap(idsIn), isKnown);
  if (link) return { recipientId: link, how: 'link' };
  const anywhere = await firstKnown([...idsIn(text), ...idsIn(html)], isKnown);
  return anywhere ? { recipientId: anywhere, how: 'text' } : undefined;
}

function headerText(mail: ParsedMail): string {
  const value = mail.headers.get(RECIPIENT_HEADER.toLowerCase());
  return typeof value === 'string' ? value : '';
}

/** Ids in X-Firedrill-Recipient header lines after the mail's own header block. */
function embeddedHeaderIds(raw: Buffer): string[] {
  const text = raw.toString('latin1');
  const bodyStart = text.search(/\r?\n\r?\n/);
  if (bodyStart < 0) return [];
  const line = new RegExp(`^${RECIPIENT_HEADER}:[ \\t]*(fd[a-z2-7]{26})[ \\t]*\\r?$`, 'gim');
  return [...text.slice(bodyStart).matchAll(line)].map((m) => (m[1] ?? '').toLowerCase());
}

function isAttachedMail(contentType: string, filename: string | undefined): boolean {
  return contentType.toLowerCase() === 'message/rfc822' || /\.eml$/i.test(filename ?? '');
}

function idsIn(text: string): string[] {
  return [...text.matchAll(RECIPIENT_ID_PATTERN)].map((m) => m[0].toLowerCase());
}

function linksIn(html: string): string[] {
  return [...html.matchAll(/\bhref\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1] ?? '');
}

function urlsIn(text: string): string[] {
  return text.match(/https?:\/\/[^\s<>"')\]]+/gi) ?? [];
}

async function firstKnown(ids: readonly string[], isKnown: Known): Promise<string | undefined> {
  for (const id of new Set(ids)) if (await isKnown(id)) return id;
  return undefined;
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}
