import jsQR from 'jsqr';
import { describe, expect, it } from 'vitest';
import { newRecipientId } from '../../../src/phishing/transport/lure.js';
import { posterPdf, posterSvg } from '../../../src/phishing/transport/poster.js';
import { xmlProblems } from './xml.js';

/** Paints rectangles (in units) on a white RGBA canvas `scale` pixels per unit, and decodes it. */
function decode(rects: readonly [number, number, number, number][], width: number, height: number, scale: number): string | undefined {
  const w = Math.ceil(width * scale);
  const h = Math.ceil(height * scale);
  const pixels = new Uint8ClampedArray(w * h * 4).fill(255);
  for (const [x, y, rw, rh] of rects) {
    for (let py = Math.round(y * scale); py < Math.round((y + rh) * scale); py++)
      for (let px = Math.round(x * scale); px < Math.round((x + rw) * scale); px++)
        pixels.fill(0, (py * w + px) * 4, (py * w + px) * 4 + 3);
  }
  return jsQR.default(pixels, w, h)?.data;
}

const link = () => `https://files.corp-intranet.example.test/q/${newRecipientId()}`;

describe('posters', () => {
  it('draws a well-formed A4 SVG whose code decodes to the link', () => {
    const target = link();
    const svg = posterSvg({
      link: target,
      heading: 'Free coffee & cake <today>',
      caption: 'Scan to claim your voucher',
      footnote: 'lobby, 2nd floor',
    });
    expect(xmlProblems(svg)).toEqual([]);
    expect(svg).toContain('Free coffee &#38; cake &#60;today&#62;');
    const modules = Number(/viewBox="0 0 (\d+) \1" shape-rendering/.exec(svg)![1]);
    const path = /<path fill="#000" d="([^"]+)"/.exec(svg)![1]!;
    const rects = [...path.matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g)].map(
      (m) => [Number(m[1]), Number(m[2]), Number(m[3]), 1] as [number, number, number, number],
    );
    expect(rects.length).toBeGreaterThan(50);
    expect(decode(rects, modules, modules, 8)).toBe(target);
  });

  it('writes a valid PDF, one page per entry, whose codes decode to each link', () => {
    const targets = [link(), link(), link()];
    const pdf = posterPdf(
      targets.map((target, i) => ({ link: target, heading: `Canteen survey (${i})`, caption: 'Win a café voucher — scan' })),
    );
    const text = pdf.toString('latin1');
    expect(text.startsWith('%PDF-1.4\n')).toBe(true);
    expect(text.endsWith('%%EOF\n')).toBe(true);
    // The cross-reference table points at each object, and startxref at the table.
    const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(text)![1]);
    expect(text.slice(startxref, startxref + 5)).toBe('xref\n');
    const [, first, count] = /^xref\n(\d+) (\d+)\n/.exec(text.slice(startxref))!;
    expect(first).toBe('0');
    const entries = text
      .slice(startxref)
      .split('\n')
      .slice(2, 2 + Number(count));
    entries.slice(1).forEach((entry, i) => {
      expect(entry).toMatch(/^\d{10} 00000 n $/);
      const offset = Number(entry.slice(0, 10));
      expect(text.slice(offset, offset + 12)).toMatch(new RegExp(`^${i + 1} 0 obj\n`));
    });
    expect(text).toContain('/Count 3');
    // Each stream's /Length is its byte length; each page's rectangles decode to its link.
    const streams = [...text.matchAll(/<< \/Length (\d+) >>\nstream\n([\s\S]*?)endstream/g)];
    expect(streams).toHaveLength(3);
    streams.forEach((stream, i) => {
      expect(Buffer.byteLength(stream[2]!, 'latin1')).toBe(Number(stream[1]));
      const pageHeight = 297 * (72 / 25.4);
      const rects = [...stream[2]!.matchAll(/^([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) re$/gm)].map(
        (m) => [Number(m[1]), pageHeight - Number(m[2]) - Number(m[4]), Number(m[3]), Number(m[4])] as [number, number, number, number],
      );
      expect(decode(rects, 210 * (72 / 25.4), pageHeight, 2)).toBe(targets[i]);
    });
    expect(text).toContain('(Win a caf\xe9 voucher ? scan) Tj');
  });

  it('refuses a link that is not http(s)', () => {
    expect(() => posterSvg({ link: 'javascript:alert(1)', heading: 'x' })).toThrow(/http/);
    expect(() => posterPdf([])).toThrow(/at least one/);
  });
});
