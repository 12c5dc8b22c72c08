/**
 * Files for a physical USB drill: one folder per key, copied onto that key, and a manifest for
 * the facilitator kept apart from them.
 *
 *   <dir>/keys/<keyId>/<document>.html   opening it loads one image from <base>/u/<keyId>
 *   <dir>/keys/<keyId>/README.txt        what a finder would expect on a lost key
 *   <dir>/facilitator/manifest.csv       key id, label, where it was left — never on a key
 *
 * The document is inert: no script, no form, no macro, no executable file; a Content-Security-
 * Policy allows nothing but that one image, so even the callback cannot grow into more. The
 * key's files say nothing of the drill (a finder must believe the key was lost); the landing
 * page of the callback is where the exercise is explained.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '../../errors.js';

export interface UsbKey {
  readonly keyId: string;
  /** The facilitator's name for the key ("blue key 3"). */
  readonly label: string;
  /** Where it was left ("car park, level -1"). */
  readonly location: string;
}

export interface UsbBundleOptions {
  /** The tracking server's public base, `https://drill.example.com`; the callback is `<base>/u/<keyId>`. */
  readonly base: string;
  /** File name of the document; `Salary review 2027.html` when absent. */
  readonly documentName?: string;
  /** Its visible title and one paragraph; neutral defaults when absent. */
  readonly title?: string;
  readonly paragraph?: string;
  /** The README's text; a lost-key note when absent. */
  readonly readme?: string;
}

export interface BundleFile {
  /** Relative, `/`-separated. */
  readonly path: string;
  readonly bytes: Buffer;
}

export interface UsbBundle {
  /** Each key's files, paths relative to the key's root. */
  readonly keys: readonly { readonly key: UsbKey; readonly files: readonly BundleFile[] }[];
  readonly manifest: BundleFile;
}

const KEY_ID = /^k[a-z2-7]{16}$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** `k` + 16 base32 letters (80 random bits): unguessable, says nothing of where the key went. */
export function newKeyId(): string {
  return 'k' + [...randomBytes(16)].map((byte) => BASE32[byte & 31]).join('');
}

/** The callback a key's document makes when opened. */
export function usbCallbackUrl(base: string, keyId: string): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new UserError('FD_USB_BASE', `${base} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UserError('FD_USB_BASE', `the callback base must be http(s), not ${url.protocol}`);
  if (!KEY_ID.test(keyId)) throw new UserError('FD_USB_KEY', `${keyId} is not a key id (newKeyId makes them)`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}/u/${keyId}`;
}

/** @example const bundle = usbBundle(keys, { base: 'https://drill.example.com' }); await writeUsbBundle('out', bundle); */
export function usbBundle(keys: readonly UsbKey[], options: UsbBundleOptions): UsbBundle {
  const ids = new Set<string>();
  for (const key of keys) {
    if (ids.has(key.keyId)) throw new UserError('FD_USB_KEY', `key id ${key.keyId} is used twice`);
    ids.add(key.keyId);
  }
  const documentName = options.documentName ?? 'Salary review 2027.html';
  if (!/^[^/\\:*?"<>|]+\.html?$/i.test(documentName))
    throw new UserError('FD_USB_DOCUMENT', `${documentName} must be a plain .html file name`);
  return {
    keys: keys.map((key) => ({
      key,
      files: [
        { path: documentName, bytes: Buffer.from(documentHtml(usbCallbackUrl(options.base, key.keyId), options), 'utf8') },
        { path: 'README.txt', bytes: Buffer.from((options.readme ?? DEFAULT_README).replace(/\r?\n/g, '\r\n'), 'utf8') },
      ],
    })),
    manifest: { path: 'manifest.csv', bytes: Buffer.from(manifestCsv(keys), 'utf8') },
  };
}

/** Writes `keys/<keyId>/…` and `facilitator/manifest.csv` under `dir`; files are not executable. */
export async function writeUsbBundle(dir: string, bundle: UsbBundle): Promise<void> {
  const write = async (path: string, bytes: Buffer): Promise<void> => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes, { mode: 0o644 });
  };
  for (const { key, files } of bundle.keys) {
    for (const file of files) await write(join(dir, 'keys', key.keyId, file.path), file.bytes);
  }
  await write(join(dir, 'facilitator', bundle.manifest.path), bundle.manifest.bytes);
}

const DEFAULT_README = [
  'Personal files - please do not delete.',
  '',
  'If you found this key, please hand it in at reception.',
  'Thank you!',
  '',
].join('\n');

function documentHtml(callback: string, options: UsbBundleOptions): string {
  const title = escapeHtml(options.title ?? 'Salary review 2027 - draft');
  const paragraph = escapeHtml(
    options.paragraph ?? 'Draft for the review committee. Figures are provisional and will be confirmed after the budget meeting.',
  );
  const origin = new URL(callback).origin;
  // The image is the only request the page may make (CSP), and it sends no referrer.
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${origin}; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>body{font-family:Calibri,Arial,sans-serif;max-width:40em;margin:3em auto;color:#222}</style>
</head>
<body>
<h1>${title}</h1>
<p>${paragraph}</p>
<img src="${escapeHtml(callback)}" width="1" height="1" alt="">
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `key_id,label,location`; cells that a spreadsheet would run as a formula are quoted with '. */
export function manifestCsv(keys: readonly UsbKey[]): string {
  const rows = [['key_id', 'label', 'location'], ...keys.map((k) => [k.keyId, k.label, k.location])];
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
