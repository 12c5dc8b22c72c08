/**
 * Printable posters for QR drills: one A4 page per entry (a recipient, or a location), with a
 * heading, the code and a caption. As SVG (one document per page) and as a PDF of all pages.
 *
 * The PDF is written by hand, without a dependency: PDF 1.4, the standard Helvetica font (no
 * embedding), and the code drawn as vector rectangles, one per run of dark modules in a row —
 * sharper in print than an embedded PNG, and it needs no image decoder. Text is limited to
 * Latin-1 (WinAnsi); other characters print as `?`.
 */
import { qrMatrix, type QrOptions } from './qr.js';

export interface PosterEntry {
  /** The link the code opens (http/https only). */
  readonly link: string;
  /** Large text above the code ("Free lunch — scan to book your table"). */
  readonly heading: string;
  /** Smaller text under it. */
  readonly caption?: string;
  /** Tiny text at the foot, for whoever puts posters up ("lobby, 2nd floor"); none when absent. */
  readonly footnote?: string;
}

/** A4 in millimetres and in PDF points. */
const PAGE_MM = { width: 210, height: 297 };
const MM = 72 / 25.4;
const CODE_MM = 120;
const QUIET = 4;

/** Rows of dark runs: [x, y, length] in modules, quiet zone included. */
function runs(link: string, options: QrOptions): { modules: number; runs: [number, number, number][] } {
  const matrix = qrMatrix(link, options);
  const found: [number, number, number][] = [];
  for (let y = 0; y < matrix.size; y++) {
    let x = 0;
    while (x < matrix.size) {
      if (!matrix.dark(x, y)) {
        x++;
        continue;
      }
      const start = x;
      while (x < matrix.size && matrix.dark(x, y)) x++;
      found.push([start + QUIET, y + QUIET, x - start]);
    }
  }
  return { modules: matrix.size + 2 * QUIET, runs: found };
}

/** Splits text into lines of at most `width` characters, at spaces when it can. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = '';
    }
    line = line ? `${line} ${word}` : word;
    while (line.length > width) {
      lines.push(line.slice(0, width));
      line = line.slice(width);
    }
  }
  if (line) lines.push(line);
  return lines;
}

function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One A4 page as a standalone SVG document, sizes in millimetres. */
export function posterSvg(entry: PosterEntry, options: QrOptions = {}): string {
  const code = runs(entry.link, { errorCorrection: 'H', ...options });
  const left = (PAGE_MM.width - CODE_MM) / 2;
  const top = 75;
  const text = (lines: string[], y: number, size: number, weight = 'normal'): string =>
    lines
      .map(
        (line, i) =>
          `<text x="${PAGE_MM.width / 2}" y="${y + i * size * 1.25}" font-size="${size}" font-weight="${weight}" text-anchor="middle">${xml(line)}</text>`,
      )
      .join('\n');
  const path = code.runs.map(([x, y, length]) => `M${x} ${y}h${length}v1h-${length}z`).join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${PAGE_MM.width}mm" height="${PAGE_MM.height}mm" viewBox="0 0 ${PAGE_MM.width} ${PAGE_MM.height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${PAGE_MM.width}" height="${PAGE_MM.height}" fill="#fff"/>`,
    text(wrap(entry.heading, 26).slice(0, 4), 30, 12, 'bold'),
    `<svg x="${left}" y="${top}" width="${CODE_MM}" height="${CODE_MM}" viewBox="0 0 ${code.modules} ${code.modules}" shape-rendering="crispEdges">`,
    `<rect width="${code.modules}" height="${code.modules}" fill="#fff"/>`,
    `<path fill="#000" d="${path}"/>`,
    `</svg>`,
    entry.caption ? text(wrap(entry.caption, 48).slice(0, 4), top + CODE_MM + 18, 7) : '',
    entry.footnote ? text([entry.footnote.slice(0, 90)], PAGE_MM.height - 10, 3) : '',
    `</svg>`,
    '',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

/** A PDF string literal in WinAnsi: Latin-1 only, parentheses and backslashes escaped. */
function pdfText(text: string): string {
  const latin1 = [...text].map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) > 0xff ? '?' : c)).join('');
  return `(${latin1.replace(/[\\()]/g, (c) => `\\${c}`)})`;
}

function pageContent(entry: PosterEntry, options: QrOptions): string {
  const width = PAGE_MM.width * MM;
  const height = PAGE_MM.height * MM;
  const ops: string[] = [];
  // Helvetica is about half an em wide per character: close enough to centre a line.
  const centred = (line: string, baseline: number, size: number, font: string): void => {
    const x = Math.max(20, (width - line.length * size * 0.52) / 2);
    ops.push(`BT /${font} ${size} Tf ${x.toFixed(2)} ${baseline.toFixed(2)} Td ${pdfText(line)} Tj ET`);
  };
  wrap(entry.heading, 26)
    .slice(0, 4)
    .forEach((line, i) => centred(line, height - 30 * MM - i * 15 * MM, 34, 'F2'));
  const code = runs(entry.link, { errorCorrection: 'H', ...options });
  const module = (CODE_MM * MM) / code.modules;
  const left = (width - CODE_MM * MM) / 2;
  const top = height - 75 * MM;
  ops.push('q 0 g');
  for (const [x, y, length] of code.runs) {
    // PDF's y axis points up: a module's row counts down from the top of the code.
    ops.push(
      `${(left + x * module).toFixed(3)} ${(top - (y + 1) * module).toFixed(3)} ${(length * module).toFixed(3)} ${module.toFixed(3)} re`,
    );
  }
  ops.push('f Q');
  if (entry.caption)
    wrap(entry.caption, 48)
      .slice(0, 4)
      .forEach((line, i) => centred(line, top - CODE_MM * MM - 18 * MM - i * 9 * MM, 20, 'F1'));
  if (entry.footnote) centred(entry.footnote.slice(0, 90), 10 * MM, 8, 'F1');
  return ops.join('\n') + '\n';
}

/** All entries, one A4 page each, as a PDF 1.4 file. */
export function posterPdf(entries: readonly PosterEntry[], options: QrOptions = {}): Buffer {
  if (entries.length === 0) throw new RangeError('a poster sheet needs at least one entry');
  const objects: string[] = [];
  const add = (body: string): number => objects.push(body);
  const catalog = add('');
  const pages = add('');
  const regular = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const bold = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>');
  const kids: number[] = [];
  for (const entry of entries) {
    const content = pageContent(entry, options);
    const stream = add(`<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}endstream`);
    kids.push(
      add(
        `<< /Type /Page /Parent ${pages} 0 R /MediaBox [0 0 ${(PAGE_MM.width * MM).toFixed(2)} ${(PAGE_MM.height * MM).toFixed(2)}] ` +
          `/Resources << /Font << /F1 ${regular} 0 R /F2 ${bold} 0 R >> >> /Contents ${stream} 0 R >>`,
      ),
    );
  }
  objects[catalog - 1] = `<< /Type /Catalog /Pages ${pages} 0 R >>`;
  objects[pages - 1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;
  // A binary comment on line 2 tells tools the file is binary (PDF 1.4 §3.4.1).
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  out += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
