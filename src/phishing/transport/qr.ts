/**
 * A recipient's QR code: their tracking link as a PNG (to embed in an email with a cid, or to
 * print) or an SVG (to place on a poster). Only http(s) links are encoded: a code that opens
 * anything else (a `javascript:` URL, a Wi-Fi join, a phone number) is not a drill we run.
 */
import QRCode from 'qrcode';
import { UserError } from '../../errors.js';

export interface QrOptions {
  /** Width of the PNG in pixels, quiet zone included; 300 when absent. Ignored for SVG (it scales). */
  readonly widthPx?: number;
  /** Quiet zone in modules; 4 (the standard's minimum) when absent. */
  readonly margin?: number;
  /** 'M' (15 % recoverable) when absent; 'H' survives a poster being scratched. */
  readonly errorCorrection?: 'L' | 'M' | 'Q' | 'H';
}

/** Longer links make codes too dense to scan from a printed page. */
export const MAX_QR_LINK_LENGTH = 1000;

/** The link itself when it is an http(s) URL fit for a code; throws a UserError otherwise. */
export function checkQrLink(link: string): string {
  if (link.length > MAX_QR_LINK_LENGTH) throw new UserError('FD_QR_LINK', `a QR link is at most ${MAX_QR_LINK_LENGTH} characters`);
  if ([...link].some((c) => c.charCodeAt(0) <= 0x20 || c.charCodeAt(0) === 0x7f) || /\s/.test(link))
    throw new UserError('FD_QR_LINK', 'a QR link holds no spaces or control characters');
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new UserError('FD_QR_LINK', `${link} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UserError('FD_QR_LINK', `a QR code opens http(s) links only, not ${url.protocol}`);
  if (url.username || url.password) throw new UserError('FD_QR_LINK', 'a QR link carries no user name or password');
  return link;
}

function codeOptions(options: QrOptions): { errorCorrectionLevel: 'L' | 'M' | 'Q' | 'H'; margin: number } {
  return { errorCorrectionLevel: options.errorCorrection ?? 'M', margin: options.margin ?? 4 };
}

/** @example const png = await qrPng(`https://drill.example/t/${recipientId}`); */
export async function qrPng(link: string, options: QrOptions = {}): Promise<Buffer> {
  checkQrLink(link);
  return QRCode.toBuffer(link, { ...codeOptions(options), type: 'png', width: options.widthPx ?? 300 });
}

/** A standalone `<svg>` document (viewBox in modules, no fixed size). */
export async function qrSvg(link: string, options: QrOptions = {}): Promise<string> {
  checkQrLink(link);
  return QRCode.toString(link, { ...codeOptions(options), type: 'svg' });
}

/** The code's dark modules, row by row (true = dark), without the quiet zone; for other renderers. */
export function qrMatrix(
  link: string,
  options: QrOptions = {},
): { readonly size: number; readonly dark: (x: number, y: number) => boolean } {
  checkQrLink(link);
  const code = QRCode.create(link, { errorCorrectionLevel: options.errorCorrection ?? 'M' });
  const { size, data } = code.modules;
  return { size, dark: (x, y) => data[y * size + x] === 1 };
}
