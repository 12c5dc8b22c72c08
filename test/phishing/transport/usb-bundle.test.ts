import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  manifestCsv,
  newKeyId,
  usbBundle,
  usbCallbackUrl,
  writeUsbBundle,
  type UsbKey,
} from '../../../src/phishing/transport/usb-bundle.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const keys: UsbKey[] = [
  { keyId: newKeyId(), label: 'blue 1', location: 'car park, level -1' },
  { keyId: newKeyId(), label: 'blue 2', location: 'canteen "B"' },
  { keyId: newKeyId(), label: 'red 1', location: '=HYPERLINK("http://evil.test")' },
];

async function files(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)));
}

describe('USB key bundles', () => {
  it('gives each key a document that calls back with its own id, and nothing else', () => {
    const bundle = usbBundle(keys, { base: 'https://drill.example.test/base/' });
    expect(bundle.keys).toHaveLength(3);
    for (const { key, files: keyFiles } of bundle.keys) {
      const html = keyFiles.find((f) => f.path.endsWith('.html'))!.bytes.toString('utf8');
      const urls = [...html.matchAll(/\b(?:src|href|action|data)\s*=\s*"([^"]*)"/gi)].map((m) => m[1]);
      expect(urls).toEqual([`https://drill.example.test/base/u/${key.keyId}`]);
      expect(html).not.toMatch(/<script|<form|<iframe|<object|<embed|<link|\son\w+\s*=|javascript:/i);
      expect(html).toContain("default-src 'none'; img-src https://drill.example.test");
    }
    expect(usbCallbackUrl('https://drill.example.test', keys[0]!.keyId)).toBe(`https://drill.example.test/u/${keys[0]!.keyId}`);
  });

  it('writes the keys apart from the facilitator manifest, which lists every key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'firedrill-usb-'));
    dirs.push(dir);
    // The callback's host is in the document: a realistic one, not a drill.example.
    await writeUsbBundle(dir, usbBundle(keys, { base: 'https://files.corp-intranet.example.test' }));
    const all = await files(dir);
    expect(all.filter((f) => f.startsWith('facilitator/'))).toEqual(['facilitator/manifest.csv']);
    for (const key of keys) {
      const onKey = await files(join(dir, 'keys', key.keyId));
      expect(onKey.sort()).toEqual(['README.txt', 'Salary review 2027.html']);
      // Nothing on a key says it is a drill, or names the other keys or the manifest.
      for (const file of onKey) {
        const text = await readFile(join(dir, 'keys', key.keyId, file), 'utf8');
        expect(text).not.toMatch(/firedrill|drill|exercise|phishing|simulation|manifest|facilitator/i);
        for (const other of keys) if (other !== key) expect(text).not.toContain(other.keyId);
      }
    }
    const manifest = await readFile(join(dir, 'facilitator', 'manifest.csv'), 'utf8');
    const lines = manifest.trimEnd().split('\r\n');
    expect(lines[0]).toBe('key_id,label,location');
    expect(lines.slice(1)).toEqual([
      `${keys[0]!.keyId},blue 1,"car park, level -1"`,
      `${keys[1]!.keyId},blue 2,"canteen ""B"""`,
      `${keys[2]!.keyId},red 1,"'=HYPERLINK(""http://evil.test"")"`,
    ]);
  });

  it('writes nothing executable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'firedrill-usb-'));
    dirs.push(dir);
    await writeUsbBundle(dir, usbBundle(keys, { base: 'https://drill.example.test' }));
    for (const file of await files(dir)) {
      expect(file).toMatch(/\.(html|txt|csv)$/);
      expect((await stat(join(dir, file))).mode & 0o111).toBe(0);
      const bytes = await readFile(join(dir, file));
      expect(bytes.subarray(0, 2).toString('latin1')).not.toBe('MZ'); // a Windows executable
      expect(bytes.subarray(0, 4).toString('latin1')).not.toBe('\x7fELF');
      expect(bytes.subarray(0, 2).toString('latin1')).not.toBe('#!');
    }
  });

  it('refuses a repeated key id, a bad base or a document name that is not .html', () => {
    expect(() => usbBundle([keys[0]!, keys[0]!], { base: 'https://d.example.test' })).toThrow(/twice/);
    expect(() => usbBundle(keys, { base: 'file:///tmp' })).toThrow(/http\(s\)/);
    expect(() => usbBundle(keys, { base: 'https://d.example.test', documentName: 'Salaries.exe' })).toThrow(/\.html/);
    expect(() => usbBundle(keys, { base: 'https://d.example.test', documentName: '../x.html' })).toThrow(/\.html/);
    expect(manifestCsv([])).toBe('key_id,label,location\r\n');
  });
});
