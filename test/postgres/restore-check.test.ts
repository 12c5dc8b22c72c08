import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePostgresBinaries } from '../../src/postgres/binaries.js';
import { listUserTables, tableChecksum } from '../../src/postgres/checksums.js';
import type { TableChecksum } from '../../src/postgres/checksums.js';
import { withClient } from '../../src/postgres/connect.js';
import { corruptDump } from '../../src/postgres/corrupt.js';
import { dumpDatabase, dumpFormatOf } from '../../src/postgres/dump.js';
import { readManifest } from '../../src/postgres/dump-manifest.js';
import { verifyRestore } from '../../src/postgres/restore-check.js';
import type { RestoreCheck, RestoreCheckRequest } from '../../src/postgres/restore-check.js';
import { noSignal } from '../probes/fixtures.js';
import {
  busyThreadPool,
  collectUnhandled,
  expectNoOpenFile,
  expectRestoresCleanedUp,
  restoreWorkspaces,
  startTestCluster,
} from './fixtures.js';
import type { TestCluster } from './fixtures.js';

// One source cluster for the file; every test that changes its data changes it back.
const before = new Set(restoreWorkspaces());
const files = mkdtempSync(join(tmpdir(), 'firedrill-dumps-'));
let source: TestCluster;

const SCHEMA = `
  CREATE TABLE products (id text PRIMARY KEY, name text NOT NULL, price_cents integer NOT NULL);
  CREATE TABLE orders (
    id integer PRIMARY KEY, item text NOT NULL REFERENCES products, qty integer NOT NULL,
    placed_at timestamptz NOT NULL, total numeric(10, 2) NOT NULL, ratio double precision,
    details jsonb, raw bytea, note text
  );
  CREATE SCHEMA audit;
  CREATE TABLE audit.events (at timestamptz NOT NULL, what text NOT NULL); -- no primary key
  INSERT INTO products VALUES ('tea', 'Green tea', 300), ('cake', 'Cheesecake', 450), ('pie', 'Apple pie', 520);
  INSERT INTO orders
    SELECT g, (ARRAY['tea', 'cake', 'pie'])[1 + g % 3], 1 + g % 4, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute',
           g * 1.25, g / 7.0::float8, jsonb_build_object('n', g), decode(md5(g::text), 'hex'), CASE WHEN g % 5 = 0 THEN NULL ELSE 'note ' || g END
      FROM generate_series(1, 200) AS g;
  INSERT INTO audit.events SELECT timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour', 'event-' || g FROM generate_series(1, 20) AS g;`;

const ROWS = { 'audit.events': 20, orders: 200, products: 3 } as const;

beforeAll(async () => {
  source = await startTestCluster('restore', 'shop');
  await source.sql('shop', SCHEMA);
});

afterAll(async () => {
  await source?.destroy();
  rmSync(files, { recursive: true, force: true });
  await expectRestoresCleanedUp(before);
});

const check = (request: Partial<RestoreCheckRequest> = {}) =>
  verifyRestore({ source: source.endpoint('shop'), timeoutMs: 60_000, signal: noSignal(), ...request });

async function sourceChecksums(): Promise<TableChecksum[]> {
  return withClient(source.endpoint('shop'), {}, async (client) => {
    const found: TableChecksum[] = [];
    for (const name of await listUserTables(client)) found.push((await tableChecksum(client, name)) as TableChecksum);
    return found;
  });
}

let fresh: Promise<{ file: string; result: RestoreCheck }> | undefined;

/** One fresh, verified dump kept for the tests that restore a given dump (taken once: each check costs a scratch cluster). */
async function keptDump(): Promise<{ file: string; result: RestoreCheck }> {
  const file = join(files, 'fresh.sql');
  fresh ??= check({ keepDump: file }).then((result) => ({ file, result }));
  return fresh;
}

let archive: Promise<{ file: string; result: RestoreCheck }> | undefined;

/** A custom-format dump, without Firedrill's manifest as any pg_dump writes it, and its check while the source is unchanged. */
async function customArchive(): Promise<{ file: string; result: RestoreCheck }> {
  const file = join(files, 'archive.dump');
  archive ??= dumpDatabase(requirePostgresBinaries(), source.endpoint('shop'), file, {
    format: 'custom',
    cwd: source.workspace.dir,
    timeoutMs: 30_000,
  })
    .then(() => check({ dump: file }))
    .then((result) => ({ file, result }));
  return archive;
}

describe('verifyRestore', () => {
  it('restores a fresh dump with every table equal to the source, row counts and checksums', async () => {
    const expected = await sourceChecksums();
    expect(expected.map((table) => [table.name, table.rows])).toEqual(Object.entries(ROWS));

    const { file: kept, result } = await keptDump();

    expect(result).toMatchObject({
      ok: true,
      differences: [],
      comparedWith: 'dump snapshot',
      dumpBytes: statSync(kept).size,
      restoreMs: expect.any(Number),
    });
    expect(result.tables).toEqual(
      expected.map((table) => ({
        name: table.name,
        sourceRows: table.rows,
        restoredRows: table.rows,
        sourceChecksum: table.checksum,
        restoredChecksum: table.checksum,
        ok: true,
      })),
    );
    expect(readManifest(kept)).toEqual({ database: 'shop', takenAt: expect.any(String), tables: expected });
    expect(dumpFormatOf(kept)).toBe('plain');
  });

  it('verifies a kept dump against the source as it was when the dump was taken', async () => {
    const { file: kept } = await keptDump();
    await source.sql('shop', "UPDATE orders SET note = 'changed later' WHERE id = 7");
    try {
      expect(await check({ dump: kept })).toMatchObject({ ok: true, differences: [], comparedWith: 'dump manifest' });
    } finally {
      await source.sql('shop', "UPDATE orders SET note = 'note 7' WHERE id = 7");
    }
  });

  it('restores a custom-format archive with pg_restore, compared with the live source', async () => {
    const { file, result } = await customArchive();
    expect(dumpFormatOf(file)).toBe('custom');
    expect(readManifest(file)).toBeUndefined();
    expect(result).toMatchObject({ ok: true, differences: [], comparedWith: 'live source' });
    expect(result.tables.map((table) => [table.name, table.restoredRows])).toEqual(Object.entries(ROWS));
  });

  it('fails when a dump without a manifest no longer matches the live source, naming the tables and what differs', async () => {
    const { file: dump, result: before } = await customArchive();
    expect(before.ok).toBe(true);

    await source.sql('shop', "UPDATE orders SET qty = qty + 1 WHERE id = 42; INSERT INTO products VALUES ('tart', 'Lemon tart', 610)");
    try {
      const result = await check({ dump });
      expect(result.ok).toBe(false);
      expect(result.differences).toEqual([
        expect.stringMatching(
          /^orders: 200 rows in both, but their contents differ \(checksum [0-9a-f]{8} restored, [0-9a-f]{8} in the source\)$/,
        ),
        'products: 3 rows restored, 4 in the source',
      ]);
      const byName = new Map(result.tables.map((table) => [table.name, table]));
      expect(byName.get('audit.events')?.ok).toBe(true);
      expect(byName.get('orders')).toMatchObject({ ok: false, sourceRows: 200, restoredRows: 200 });
      expect(byName.get('orders')?.restoredChecksum).not.toBe(byName.get('orders')?.sourceChecksum);
      expect(byName.get('products')).toMatchObject({ ok: false, sourceRows: 4, restoredRows: 3 });
    } finally {
      await source.sql('shop', "UPDATE orders SET qty = qty - 1 WHERE id = 42; DELETE FROM products WHERE id = 'tart'");
    }
  });

  it('catches a corrupted dump that restores without an error, and says what differs', async () => {
    const { file: kept } = await keptDump();
    const damaged = join(files, 'damaged.sql');
    const damage = await corruptDump(kept, damaged);
    const dropped = damage.droppedRow.table as keyof typeof ROWS;
    expect(dropped).toBe('orders');

    const result = await check({ dump: damaged });

    expect(result).toMatchObject({ ok: false, comparedWith: 'dump manifest' });
    expect(result.differences.some((line) => line.startsWith('the restore failed'))).toBe(false);
    const altered = damage.alteredValue.table;
    expect(result.differences).toHaveLength(2);
    expect(result.differences).toEqual(
      expect.arrayContaining([
        'orders: 199 rows restored, 200 in the source',
        expect.stringMatching(
          new RegExp(`^${altered.replace('.', '\\.')}: ${ROWS[altered as keyof typeof ROWS]} rows in both, but their contents differ`),
        ),
      ]),
    );
    expect(
      result.tables
        .filter((table) => !table.ok)
        .map((table) => table.name)
        .sort(),
    ).toEqual([altered, 'orders'].sort());
  });

  it('compares only the tables asked for, and names one the source does not have', async () => {
    const result = await check({ tables: ['products', 'no_such_table'] });
    expect(result.ok).toBe(false);
    expect(result.differences).toEqual(['no_such_table: no such table in the source']);
    expect(result.tables).toEqual([
      expect.objectContaining({ name: 'products', ok: true, sourceRows: 3, restoredRows: 3 }),
      { name: 'no_such_table', sourceRows: null, restoredRows: null, sourceChecksum: null, restoredChecksum: null, ok: false },
    ]);
  });

  it('reports a dump that does not restore, with the error and every table that is missing', async () => {
    const dump = join(files, 'broken.sql');
    writeFileSync(dump, 'CREATE TABLE products (id text PRIMARY KEY, name text, price_cents integer);\nTHIS IS NOT SQL;\n');
    const result = await check({ dump });
    expect(result.ok).toBe(false);
    expect(result.differences).toEqual([
      expect.stringMatching(/^the restore failed: psql .* failed \(exit 3\):\n.*syntax error at or near "THIS"/s),
      'audit.events: missing from the restored copy (20 rows in the source)',
      'orders: missing from the restored copy (200 rows in the source)',
      'products: 0 rows restored, 3 in the source',
    ]);
  });

  it('gives up at once when its signal is aborted, leaving nothing behind', async () => {
    const controller = new AbortController();
    controller.abort(new Error('run aborted'));
    await expect(check({ signal: controller.signal })).rejects.toThrow('run aborted');
    await expectNoOpenFile('firedrill-pg-fd-restore-');
  });

  // Once seen in a full run: an unhandled `ENOENT …/dump.sql` after this check had given up.
  // The dump file's stream was still opening (file streams open on libuv's thread pool) when
  // the workspace holding it was removed. A busy pool makes that happen every time.
  it('never fails after it gave up, when aborted before it starts or at any moment of its work, on a busy thread pool', async () => {
    const unhandled = collectUnhandled();
    try {
      for (const abortAfterMs of [-1, -1, -1, 0, 0, 5, 10, 20, 40, 80, 160, 320]) {
        const controller = new AbortController();
        if (abortAfterMs < 0) controller.abort(new Error('run aborted'));
        const timer = abortAfterMs >= 0 ? setTimeout(() => controller.abort(new Error('run aborted')), abortAfterMs) : undefined;
        const busy = busyThreadPool(200);
        try {
          await check({ signal: controller.signal }).then(
            (result) => expect(result.ok).toBe(true), // done before the abort: that is fine too
            (error: unknown) => expect(error).toMatchObject({ message: expect.stringContaining('run aborted') }),
          );
        } finally {
          clearTimeout(timer);
          await busy;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100)); // whatever was queued behind the busy pool has run
    } finally {
      expect(unhandled.stop()).toEqual([]);
    }
    await expectNoOpenFile('firedrill-pg-fd-restore-');
  }, 120_000);
});

describe('table checksums', () => {
  it('do not depend on the order rows were written in, and are undefined for a missing table', async () => {
    await source.sql('postgres', 'CREATE TABLE a (id int PRIMARY KEY, v text); CREATE TABLE b (id int PRIMARY KEY, v text)');
    await source.sql('postgres', "INSERT INTO a VALUES (1, 'x'), (2, 'y'); INSERT INTO b VALUES (2, 'y'); INSERT INTO b VALUES (1, 'x')");
    await withClient(source.endpoint('postgres'), {}, async (client) => {
      const [a, b] = [await tableChecksum(client, 'a'), await tableChecksum(client, 'b')];
      expect(a).toEqual({ name: 'a', rows: 2, checksum: expect.stringMatching(/^[0-9a-f]{32}$/) });
      expect(b?.checksum).toBe(a?.checksum);
      await client.query("UPDATE b SET v = 'z' WHERE id = 1");
      expect((await tableChecksum(client, 'b'))?.checksum).not.toBe(a?.checksum);
      expect(await tableChecksum(client, 'missing')).toBeUndefined();
      expect(await tableChecksum(client, 'audit.missing')).toBeUndefined();
    });
  });
});
