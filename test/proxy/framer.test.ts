import { describe, expect, it } from 'vitest';
import type { Framing, Piece } from '../../src/proxy/http/framer.js';
import { Framer } from '../../src/proxy/http/framer.js';
import type { Head } from '../../src/proxy/http/head.js';
import { contentLength, isChunked } from '../../src/proxy/http/head.js';

function requestFraming(head: Head): Framing {
  const te = head.headers.get('transfer-encoding');
  if (te !== undefined) return isChunked(te) ? 'chunked' : 'opaque';
  const cl = head.headers.get('content-length');
  return cl === undefined ? { length: 0 } : { length: contentLength(cl) ?? 0 };
}

const pipelined = [
  'GET /a HTTP/1.1\r\nHost: x\r\n\r\n',
  'POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world',
  'POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: yes\r\n\r\n',
  'PUT /d HTTP/1.0\r\ncontent-length: 3, 3\r\n\r\nabc',
  'DELETE /e HTTP/1.1\r\n\r\n',
].join('');

/** Feeds `input` cut at the given sizes (cycled) and returns every piece. */
function feed(input: Buffer, sizes: number[]): Piece[] {
  const framer = new Framer('request', requestFraming);
  const pieces: Piece[] = [];
  let at = 0;
  for (let i = 0; at < input.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    pieces.push(...framer.feed(input.subarray(at, at + size)));
    at += size;
  }
  return pieces;
}

const bytesOf = (pieces: Piece[]) => Buffer.concat(pieces.flatMap((p) => (p.kind === 'end' ? [] : [p.bytes])));
const heads = (pieces: Piece[]) => pieces.flatMap((p) => (p.kind === 'head' ? [`${p.head.method} ${p.head.target}`] : []));

describe('the HTTP/1.x framer', () => {
  it('frames pipelined requests the same however the stream is cut, changing no byte', () => {
    const input = Buffer.from(pipelined);
    for (const sizes of [[input.length], [1], [2, 3, 5], [7, 1, 13], [64]]) {
      const pieces = feed(input, sizes);
      expect(bytesOf(pieces).equals(input)).toBe(true);
      expect(heads(pieces)).toEqual(['GET /a', 'POST /b', 'POST /c', 'PUT /d', 'DELETE /e']);
      expect(pieces.filter((p) => p.kind === 'end')).toHaveLength(5);
      expect(pieces.some((p) => p.kind === 'opaque')).toBe(false);
    }
  });

  it('turns opaque at the first byte that is not HTTP, holding nothing back', () => {
    const framer = new Framer('request', requestFraming);
    expect(framer.feed(Buffer.from('\x16\x03\x01 tls hello'))).toEqual([{ kind: 'opaque', bytes: Buffer.from('\x16\x03\x01 tls hello') }]);
    const partial = new Framer('request', requestFraming);
    expect(partial.feed(Buffer.from('GET / HT'))).toEqual([]);
    expect(partial.feed(Buffer.from('XP/1.1\r\n'))).toEqual([{ kind: 'opaque', bytes: Buffer.from('GET / HTXP/1.1\r\n') }]);
  });

  it('gives up on a malformed chunked body and passes the rest as it is', () => {
    const input = Buffer.from('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nrest');
    const pieces = feed(input, [input.length]);
    expect(bytesOf(pieces).equals(input)).toBe(true);
    expect(pieces.at(-1)?.kind).toBe('opaque');
  });
});
