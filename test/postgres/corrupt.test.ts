import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corruptDump } from '../../src/postgres/corrupt.js';
import { dumpFormatOf } from '../../src/postgres/dump.js';
import { manifestHeader, readManifest } from '../../src/postgres/dump-manifest.js';

// Plain dumps written by hand, shaped like pg_dump's: the restore side is in restore-check.test.ts.
const dir = mkdtempSync(join(tmpdir(), 'firedrill-corrupt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const manifest = { database: 'shop', takenAt: '2024-01-01T00:00:00.000Z', tables: [{ name: 'orders', rows: 3, checksum: 'abc' }] };

function dumpFile(name: string, ...lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n'));
  return file;
}

const SHOP = [
  manifestHeader(manifest).trimEnd(),
  "SET client_encoding = 'UTF8';",
  'COPY public.products (id, name, price_cents) FROM stdin;',
  'tea\tGreen tea\t300',
  'cake\tCheesecake\t450',
  '\\.',
  '',
  'COPY public.orders (id, item, qty) FROM stdin;',
  '1\ttea\t2',
  '2\tcake\t1',
  '3\ttea\t5',
  '\\.',
  '',
];

describe('corruptDump', () => {
  it('drops a row of the largest table and alters a value of another, keeping the manifest', async () => {
    const input = dumpFile('shop.sql', ...SHOP);
    const output = join(dir, 'shop-damaged.sql');
    const damage = await corruptDump(input, output);
    expect(damage).toEqual({
      droppedRow: { table: 'orders', row: '2\tcake\t1' },
      alteredValue: { table: 'products', column: 'price_cents', from: '300', to: '301' },
    });
    const damaged = readFileSync(output, 'utf8');
    expect(damaged).not.toBe(readFileSync(input, 'utf8'));
    expect(damaged).not.toContain('2\tcake\t1\n');
    expect(damaged).toContain('tea\tGreen tea\t301\n');
    expect(damaged.split('\n')).toHaveLength(SHOP.length - 1);
    expect(readManifest(output)).toEqual(manifest);
    expect(statSync(output).mode & 0o777).toBe(0o600);
    expect(readFileSync(input, 'utf8')).toBe(SHOP.join('\n')); // the input is left alone
  });

  it('alters another row of the same table when there is only one, and a word when there is no number', async () => {
    const input = dumpFile('words.sql', 'COPY audit.events (id, what) FROM stdin;', '1\tcreated', '2\tpaid', '3\tshipped', '\\.', '');
    const damage = await corruptDump(input, join(dir, 'words-damaged.sql'));
    expect(damage).toEqual({
      droppedRow: { table: 'audit.events', row: '2\tpaid' },
      alteredValue: { table: 'audit.events', column: 'what', from: 'created', to: 'createdx' },
    });
    expect(readFileSync(join(dir, 'words-damaged.sql'), 'utf8')).toBe(
      'COPY audit.events (id, what) FROM stdin;\n1\tcreatedx\n3\tshipped\n\\.\n',
    );
  });

  it('refuses a custom-format archive, which it cannot edit', async () => {
    const input = dumpFile('archive.dump', 'PGDMP\u0001\u000e\u0000binary');
    expect(dumpFormatOf(input)).toBe('custom');
    await expect(corruptDump(input, join(dir, 'out.dump'))).rejects.toMatchObject({
      name: 'UserError',
      code: 'FD_DUMP_FORMAT',
      message: expect.stringContaining('custom-format archive'),
    });
  });

  it('refuses a dump without table rows, and one with no value it can change', async () => {
    const empty = dumpFile('empty.sql', 'CREATE TABLE t (id int);', 'COPY public.t (id) FROM stdin;', '\\.', '');
    await expect(corruptDump(empty, join(dir, 'out.sql'))).rejects.toMatchObject({
      code: 'FD_DUMP_EMPTY',
      message: `${empty} holds no table rows to damage`,
    });
    const keysOnly = dumpFile('keys.sql', 'COPY public.t (id) FROM stdin;', '1', '2', '\\.', '');
    await expect(corruptDump(keysOnly, join(dir, 'out.sql'))).rejects.toMatchObject({ code: 'FD_DUMP_UNALTERABLE' });
  });

  it('says which file is missing when the input does not exist', async () => {
    const missing = join(dir, 'no-such-backup.sql');
    await expect(corruptDump(missing, join(dir, 'out.sql'))).rejects.toMatchObject({
      code: 'ENOENT',
      message: expect.stringContaining(`no such file or directory, open '${missing}'`),
    });
    expect(() => statSync(join(dir, 'out.sql'))).toThrow(/ENOENT/);
  });
});
