import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requirePostgresBinaries } from '../../src/postgres/binaries.js';
import { dumpDatabase, dumpFormatOf, restoreDump } from '../../src/postgres/dump.js';
import { manifestHeader, readManifest } from '../../src/postgres/dump-manifest.js';
import { freePort } from '../probes/fixtures.js';
import { expectNoOpenFile } from './fixtures.js';

// The parts of dump.ts that need no server; dumping and restoring for real is in restore-check.test.ts.
const dir = mkdtempSync(join(tmpdir(), 'firedrill-dump-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const aborted = (): AbortSignal => AbortSignal.abort(new Error('run aborted'));
const nowhere = async () => ({ host: '127.0.0.1', port: await freePort(), user: 'postgres', database: 'shop' });

describe('dump files', () => {
  it('tells a custom-format archive from plain SQL by its first bytes', () => {
    writeFileSync(join(dir, 'a.dump'), 'PGDMP\u0001rest');
    writeFileSync(join(dir, 'a.sql'), '--\n-- PostgreSQL database dump\n');
    writeFileSync(join(dir, 'short.sql'), 'PG');
    expect([dumpFormatOf(join(dir, 'a.dump')), dumpFormatOf(join(dir, 'a.sql')), dumpFormatOf(join(dir, 'short.sql'))]).toEqual([
      'custom',
      'plain',
      'plain',
    ]);
  });

  it('reads the manifest from the first line, and ignores a missing or damaged one', () => {
    const manifest = { database: 'shop', takenAt: '2024-01-01T00:00:00.000Z', tables: [{ name: 'orders', rows: 2, checksum: 'c0ffee' }] };
    writeFileSync(join(dir, 'with.sql'), `${manifestHeader(manifest)}SELECT 1;\n`);
    writeFileSync(join(dir, 'damaged.sql'), '-- firedrill-source: {"tables": [\nSELECT 1;\n');
    expect(readManifest(join(dir, 'with.sql'))).toEqual(manifest);
    expect(readManifest(join(dir, 'damaged.sql'))).toBeUndefined();
    expect(readManifest(join(dir, 'a.sql'))).toBeUndefined();
  });

  it('closes the dump file when the dump is aborted before pg_dump runs', async () => {
    const file = join(dir, 'aborted.sql');
    const options = { cwd: dir, signal: aborted(), header: '-- header\n' };
    await expect(dumpDatabase(requirePostgresBinaries(), await nowhere(), file, options)).rejects.toThrow('run aborted');
    await expectNoOpenFile(file);
  });

  it('closes the dump file when the restore is aborted before psql runs', async () => {
    const file = join(dir, 'to-restore.sql');
    writeFileSync(file, 'SELECT 1;\n');
    await expect(restoreDump(requirePostgresBinaries(), await nowhere(), file, { cwd: dir, signal: aborted() })).rejects.toThrow(
      'run aborted',
    );
    await expectNoOpenFile(file);
  });

  it("fails with pg_dump's own message when the source cannot be reached", async () => {
    const source = await nowhere();
    await expect(
      dumpDatabase(requirePostgresBinaries(), source, join(dir, 'refused.sql'), { cwd: dir, timeoutMs: 10_000 }),
    ).rejects.toMatchObject({
      code: 'FD_POSTGRES_TOOL',
      message: expect.stringMatching(
        new RegExp(`^pg_dump .* failed \\(exit 1\\):\\n.*127\\.0\\.0\\.1.*${source.port}.*Connection refused`, 's'),
      ),
    });
    await expectNoOpenFile(join(dir, 'refused.sql'));
  });
});
