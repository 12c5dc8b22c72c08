import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requirePostgresBinaries } from '../../src/postgres/binaries.js';
import type { PostgresBinaries } from '../../src/postgres/binaries.js';
import { dumpDatabase, dumpFormatOf, restoreDump } from '../../src/postgres/dump.js';
import { manifestHeader, readManifest } from '../../src/postgres/dump-manifest.js';
import { freePort, noSignal } from '../probes/fixtures.js';
import { busyThreadPool, collectUnhandled, expectNoOpenFile } from './fixtures.js';

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

  // verifyRestore removes its workspace the moment a dump or restore fails. A file stream opens
  // its file on libuv's thread pool: when that open is still queued (a busy pool) as the
  // directory goes, it fails with ENOENT — an `error` event nobody listened to, which once
  // crashed a test run. The pool is kept busy, so that every round would show it.
  const missingPrograms: PostgresBinaries = { bindir: '/nonexistent', major: 15, tool: (name) => `/nonexistent/${name}` };
  const failures = [
    { why: 'is aborted', binaries: requirePostgresBinaries, signal: aborted, error: 'run aborted' },
    { why: 'cannot start its program', binaries: () => missingPrograms, signal: noSignal, error: 'ENOENT' },
  ];
  for (const example of failures)
    for (const round of [1, 2, 3])
      it(`has finished with its files when a dump or restore that ${example.why} fails, even on a busy thread pool (round ${round})`, async () => {
        const scratch = join(dir, `slow-${Math.random().toString(16).slice(2)}`);
        mkdirSync(scratch);
        writeFileSync(join(scratch, 'to-restore.sql'), 'SELECT 1;\n');
        const unhandled = collectUnhandled();
        const busy = busyThreadPool(300);
        try {
          const options = { cwd: dir, signal: example.signal() };
          const target = await nowhere();
          await expect(
            dumpDatabase(example.binaries(), target, join(scratch, 'dump.sql'), { ...options, header: '-- header\n' }),
          ).rejects.toThrow(example.error);
          await expect(restoreDump(example.binaries(), target, join(scratch, 'to-restore.sql'), options)).rejects.toThrow(example.error);
          rmSync(scratch, { recursive: true, force: true }); // as verifyRestore's finally does
        } finally {
          await busy;
          await new Promise((resolve) => setTimeout(resolve, 50)); // whatever was queued behind the busy pool has run
        }
        expect(unhandled.stop()).toEqual([]);
        await expectNoOpenFile(scratch);
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
