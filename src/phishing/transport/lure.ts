/**
 * What a transport needs to know of a lure, and the two headers every drill email carries.
 *
 * Header names (also read back by the reporting mailbox):
 *
 *   X-Firedrill-Drill: <campaign id>; contact=<address>   who runs this exercise, for a mail admin
 *   X-Firedrill-Recipient: <recipient id>                 which recipient this copy was sent to
 *
 * A recipient id is `fd` followed by 26 base32 letters (130 random bits from node:crypto):
 * unguessable, never derived from the address, and distinctive enough to be found again in a
 * forwarded mail's text or links (RECIPIENT_ID_PATTERN) with no list of known ids.
 */
import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import { UserError } from '../../errors.js';

export const DRILL_HEADER = 'X-Firedrill-Drill';
export const RECIPIENT_HEADER = 'X-Firedrill-Recipient';

/** Finds recipient ids in any text (global, case-insensitive: lower-case what it returns). */
export const RECIPIENT_ID_PATTERN = /\bfd[a-z2-7]{26}\b/gi;

export interface LureAttachment {
  readonly filename: string;
  readonly content: Buffer | string;
  readonly contentType?: string;
  /** Content-ID, to show an image inline with `<img src="cid:…">` (a QR code). */
  readonly cid?: string;
}

/** One rendered email for one recipient, as the domain hands it to a transport. */
export interface OutgoingLure {
  readonly recipientId: string;
  readonly to: string;
  /** `"Parcel service" <noreply@example.test>` or a bare address. */
  readonly from: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  /** Extra headers of the template; they may not set the two Firedrill headers. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly attachments?: readonly LureAttachment[];
}

/** Who runs the drill: written into every message's X-Firedrill-Drill header. */
export interface DrillStamp {
  readonly campaignId: string;
  /** An address a mail admin or recipient can write to about the exercise. */
  readonly contact: string;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A new random recipient id: `fd` + 26 base32 letters (130 bits). */
export function newRecipientId(): string {
  const bytes = randomBytes(17);
  let bits = 0;
  let value = 0;
  let id = 'fd';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && id.length < 28) {
      id += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return id;
}

export function isRecipientId(text: string): boolean {
  return /^fd[a-z2-7]{26}$/.test(text);
}

/** `c-42; contact=security@example.test` */
export function drillHeaderValue(stamp: DrillStamp): string {
  return `${stamp.campaignId}; contact=${stamp.contact}`;
}

/** Refuses what would let one field write another header (CR/LF) or hide the drill stamp. */
export function checkLure(lure: OutgoingLure, stamp: DrillStamp): void {
  const oneLine = { campaignId: stamp.campaignId, contact: stamp.contact, to: lure.to, from: lure.from, subject: lure.subject };
  for (const [field, value] of Object.entries(oneLine)) {
    if (/[\r\n]/.test(value)) throw new UserError('FD_LURE_INVALID', `${field} holds a line break`);
  }
  if (!/^[^\s@;]+@[^\s@;]+$/.test(stamp.contact)) throw new UserError('FD_LURE_INVALID', `contact ${stamp.contact} is not an address`);
  if (!isRecipientId(lure.recipientId)) throw new UserError('FD_LURE_INVALID', `recipient id ${lure.recipientId} is not a Firedrill id`);
  for (const [name, value] of Object.entries(lure.headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === DRILL_HEADER.toLowerCase() || lower === RECIPIENT_HEADER.toLowerCase())
      throw new UserError('FD_LURE_INVALID', `the template may not set ${name}: Firedrill writes it`);
    if (/[\r\n:]/.test(name) || /[\r\n]/.test(value)) throw new UserError('FD_LURE_INVALID', `header ${name} holds a line break or colon`);
  }
}

export interface ComposedLure {
  /** The whole RFC 5322 message, headers and MIME body. */
  readonly raw: Buffer;
  /** `<…@domain>`, random: it says nothing of the recipient. */
  readonly messageId: string;
}

/** Builds the message once; every retry sends these same bytes (same Message-ID). */
export async function composeLure(lure: OutgoingLure, stamp: DrillStamp): Promise<ComposedLure> {
  checkLure(lure, stamp);
  const domain = /@([^\s>]+)>?\s*$/.exec(lure.from)?.[1] ?? 'firedrill.invalid';
  const messageId = `<${randomBytes(12).toString('hex')}@${domain}>`;
  const composer = new MailComposer({
    from: lure.from,
    to: lure.to,
    subject: lure.subject,
    html: lure.html,
    text: lure.text,
    messageId,
    headers: { ...lure.headers, [DRILL_HEADER]: drillHeaderValue(stamp), [RECIPIENT_HEADER]: lure.recipientId },
    attachments: (lure.attachments ?? []).map((a) => ({
      filename: a.filename,
      content: a.content,
      ...(a.contentType !== undefined && { contentType: a.contentType }),
      ...(a.cid !== undefined && { cid: a.cid }),
    })),
  });
  const raw = await composer.compile().build();
  return { raw, messageId };
}

/** The envelope sender: the bare address of `from`. */
export function envelopeAddress(header: string): string {
  return (/<([^<>\s]+)>\s*$/.exec(header)?.[1] ?? header).trim();
}
