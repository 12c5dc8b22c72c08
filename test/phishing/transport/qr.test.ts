import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { newRecipientId } from '../../../src/phishing/transport/lure.js';
import { checkQrLink, qrMatrix, qrPng, qrSvg } from '../../../src/phishing/transport/qr.js';
import { xmlProblems } from './xml.js';

export function decodePng(png: Buffer): string | undefined {
  const image = PNG.sync.read(png);
  // jsqr is CommonJS with `exports.default`: under NodeNext the default import is the module.
  return jsQR.default(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}

describe('QR codes', () => {
  it('encodes each recipient link in a PNG that decodes back to the same link', async () => {
    for (const level of ['L', 'M', 'H'] as const) {
      const link = `https://drill.example.test/q/${newRecipientId()}?src=poster`;
      const png = await qrPng(link, { errorCorrection: level, widthPx: 240 });
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(PNG.sync.read(png).width).toBe(240);
      expect(decodePng(png)).toBe(link);
    }
  });

  it('writes a well-formed SVG', async () => {
    const svg = await qrSvg(`https://drill.example.test/q/${newRecipientId()}`);
    expect(xmlProblems(svg)).toEqual([]);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  });

  it('exposes the module matrix that matches the code', () => {
    const matrix = qrMatrix('https://drill.example.test/q/x');
    expect(matrix.size).toBeGreaterThanOrEqual(21);
    // Finder pattern: the top-left corner module is dark, the one inside the ring light.
    expect(matrix.dark(0, 0)).toBe(true);
    expect(matrix.dark(1, 1)).toBe(false);
  });

  it('refuses anything but an http(s) link', async () => {
    for (const bad of [
      'javascript:alert(1)',
      'WIFI:S:corp;T:WPA;P:secret;;',
      'tel:+33100000000',
      'not a url',
      'https://user:pw@drill.example.test/',
    ]) {
      expect(() => checkQrLink(bad), bad).toThrow(/QR|URL|http/);
    }
    await expect(qrPng('file:///etc/passwd')).rejects.toThrow(/http\(s\)/);
    expect(() => checkQrLink(`https://drill.example.test/${'a'.repeat(1000)}`)).toThrow(/at most/);
  });
});
