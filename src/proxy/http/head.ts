/** The start line and headers of one HTTP/1.x message. */
export interface Head {
  /** Requests only ('' in responses). */
  readonly method: string;
  readonly target: string;
  /** Responses only (0 in requests). */
  readonly status: number;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  readonly minor: number;
  /** Lower-case name → value; repeated headers joined with ", " (RFC 9110 §5.3). */
  readonly headers: ReadonlyMap<string, string>;
}

const REQUEST_LINE = /^([A-Z]{1,20}) (\S+) HTTP\/1\.([01])$/;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;
const LEADING_CRLF = /^(?:\r\n)*/;

/** Parses a complete head (ending with CRLF CRLF); undefined when it is not valid HTTP/1.x. */
export function parseHead(kind: 'request' | 'response', bytes: Buffer): Head | undefined {
  const text = bytes.toString('latin1').replace(LEADING_CRLF, '');
  const lines = text.split('\r\n');
  // The head ends with an empty line, so split() leaves two empty strings at the end.
  lines.length -= 2;
  const start = lines[0] ?? '';
  let method = '';
  let target = '';
  let status = 0;
  let minor: number;
  if (kind === 'request') {
    const m = REQUEST_LINE.exec(start);
    if (!m) return undefined;
    [method, target, minor] = [m[1] ?? '', m[2] ?? '', Number(m[3])];
  } else {
    const m = STATUS_LINE.exec(start);
    if (!m) return undefined;
    [minor, status] = [Number(m[1]), Number(m[2])];
  }
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    // Obsolete line folding and bare LFs are where request smuggling lives: not ours to interpret.
    if (line.includes('\n')) return undefined;
    const m = HEADER_LINE.exec(line);
    if (!m?.[1]) return undefined;
    const name = m[1].toLowerCase();
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? (m[2] ?? '') : `${previous}, ${m[2] ?? ''}`);
  }
  return { method, target, status, minor, headers };
}

/**
 * Whether a head still being received can become a valid one. Called on partial heads so that
 * non-HTTP traffic is recognised from its first bytes and never held waiting for a CRLF CRLF.
 */
export function plausibleStart(kind: 'request' | 'response', bytes: Buffer): boolean {
  const text = bytes.toString('latin1', 0, Math.min(bytes.length, 8192)).replace(LEADING_CRLF, '');
  const lf = text.indexOf('\n');
  const line = lf < 0 ? text : text.slice(0, lf);
  if (lf >= 0) return line.endsWith('\r') && (kind === 'request' ? REQUEST_LINE : STATUS_LINE).test(line.slice(0, -1));
  if (kind === 'response') return /^HTTP\/1\.[01](?: (?:\d{0,3}(?: [^\r]*)?)?)?\r?$/.test(line) || 'HTTP/1.'.startsWith(line);
  const [method = '', target, version, ...more] = line.split(' ');
  if (!/^[A-Z]{0,20}$/.test(method) || more.length > 0) return false;
  if (target === undefined) return true;
  if (method === '' || /\s/.test(target)) return false;
  return version === undefined || /^HTTP\/1\.[01]\r?$/.test(version) || 'HTTP/1.'.startsWith(version);
}

/** The value of a Content-Length header when it is valid (repeated identical values are). */
export function contentLength(value: string): number | undefined {
  const values = value.split(',').map((v) => v.trim());
  if (!values.every((v) => /^\d{1,15}$/.test(v) && v === values[0])) return undefined;
  return Number(values[0]);
}

/** Whether the last transfer coding is chunked (the only one that frames a message). */
export function isChunked(transferEncoding: string): boolean {
  return /(?:^|,)[ \t]*chunked[ \t]*$/i.test(transferEncoding);
}

/** Whether the sender of this head wants the connection closed after the message. */
export function wantsClose(head: Head): boolean {
  const tokens = (head.headers.get('connection') ?? '')
    .toLowerCase()
    .split(',')
    .map((t) => t.trim());
  if (tokens.includes('close')) return true;
  return head.minor === 0 && !tokens.includes('keep-alive');
}
