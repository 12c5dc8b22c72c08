import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreparedProbe, lookupProbe } from '../../src/engine/activities.js';
import type { ProbeOutput } from '../../src/engine/probe.js';
import { compileTolerance, judge } from '../../src/experiment/tolerance.js';
import { probeTypes } from '../../src/probes/index.js';
import { postgresRestoreParams, postgresRestoreProbe } from '../../src/probes/postgres-restore.js';
import { corruptDump } from '../../src/postgres/corrupt.js';
import { expectRestoresCleanedUp, restoreWorkspaces, startTestCluster } from '../postgres/fixtures.js';
import type { TestCluster } from '../postgres/fixtures.js';
import { freePort, noSignal } from './fixtures.js';

// One source database for the file, like the demo's shop: drill 3 keeps its dump, drill 4 damages a copy.
const before = new Set(restoreWorkspaces());
const files = mkdtempSync(join(tmpdir(), 'firedrill-probe-dumps-'));
const keptDump = join(files, 'backup.sql');
let source: TestCluster;

beforeAll(async () => {
  source = await startTestCluster('probe', 'shop');
  await source.sql(
    'shop',
    `CREATE TABLE products (id text PRIMARY KEY, name text NOT NULL, price_cents integer NOT NULL);
     CREATE TABLE orders (id integer PRIMARY KEY, item text NOT NULL, qty integer NOT NULL);
     INSERT INTO products VALUES ('tea', 'Green tea', 300), ('cake', 'Cheesecake', 450);
     INSERT INTO orders SELECT g, CASE WHEN g % 2 = 0 THEN 'tea' ELSE 'cake' END, 1 + g % 3 FROM generate_series(1, 50) AS g;`,
  );
});

afterAll(async () => {
  await source?.destroy();
  rmSync(files, { recursive: true, force: true });
  await expectRestoresCleanedUp(before);
});

const params = (extra: Record<string, unknown> = {}) => ({ source: { port: source.cluster.address.port, database: 'shop' }, ...extra });
const run = (input: Record<string, unknown>) => postgresRestoreProbe.run(postgresRestoreParams.parse(input), { signal: noSignal() });
const defaultChecks = () => compileTolerance(postgresRestoreProbe.defaultTolerance, postgresRestoreProbe).checks;

let goodRun: Promise<ProbeOutput> | undefined;
/** The good backup's run, once: it also keeps the dump that the corrupted-backup test damages. */
const backUp = (): Promise<ProbeOutput> => (goodRun ??= run(params({ keepDump: keptDump })));

describe('postgres-restore probe', () => {
  it('is registered, and passes for a good backup: ok, every table compared, no differences', async () => {
    expect(lookupProbe(probeTypes, 'postgres-restore')).toBe(postgresRestoreProbe);
    const output = await backUp();
    expect(Object.keys(output).sort()).toEqual([...postgresRestoreProbe.fields].sort());
    expect(output).toMatchObject({
      ok: true,
      differences: [],
      tables: [
        { name: 'orders', sourceRows: 50, restoredRows: 50, ok: true },
        { name: 'products', sourceRows: 2, restoredRows: 2, ok: true },
      ],
      dumpBytes: expect.any(Number),
      comparedWith: 'dump snapshot',
    });
    expect(judge(defaultChecks(), output)).toMatchObject({ met: true });
  });

  it('fails for a corrupted backup and names the tables and what differs', async () => {
    await backUp();
    const damaged = join(files, 'damaged.sql');
    const damage = await corruptDump(keptDump, damaged);
    expect(damage).toMatchObject({ droppedRow: { table: 'orders' }, alteredValue: { table: 'products' } });

    const output = await run(params({ dump: damaged }));

    expect(output).toMatchObject({
      ok: false,
      comparedWith: 'dump manifest',
      differences: [
        'orders: 49 rows restored, 50 in the source',
        expect.stringMatching(
          /^products: 2 rows in both, but their contents differ \(checksum [0-9a-f]{8} restored, [0-9a-f]{8} in the source\)$/,
        ),
      ],
      tables: [
        { name: 'orders', sourceRows: 50, restoredRows: 49, ok: false },
        { name: 'products', sourceRows: 2, restoredRows: 2, ok: false },
      ],
    });
    expect(judge(defaultChecks(), output)).toMatchObject({ met: false, detail: 'ok false is not true' });
  });

  it('reports an unreachable database as a probe error, not a crash', async () => {
    const port = await freePort();
    const probe = new PreparedProbe(
      { name: 'restore', type: 'postgres-restore', params: { source: { port, database: 'shop' } } },
      lookupProbe(probeTypes, 'postgres-restore'),
    );
    const result = await probe.run(noSignal());
    expect(result).toMatchObject({
      name: 'restore',
      type: 'postgres-restore',
      met: false,
      error: expect.stringContaining(`ECONNREFUSED 127.0.0.1:${port}`),
    });
    expect(result.output).toBeUndefined();
  });

  it('reports a dump file that does not exist as a probe error naming it', async () => {
    const missing = join(files, 'no-such-backup.sql');
    const probe = new PreparedProbe({ name: 'restore', type: 'postgres-restore', params: params({ dump: missing }) }, postgresRestoreProbe);
    expect(await probe.run(noSignal())).toMatchObject({
      met: false,
      error: expect.stringContaining(`no such file or directory, open '${missing}'`),
    });
  });

  it('defaults the connection and timeout, and refuses keepDump with dump', () => {
    expect(postgresRestoreParams.parse({ source: { port: 5432 } })).toEqual({
      source: { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' },
      timeout: 120_000,
    });
    const both = postgresRestoreParams.safeParse({ source: { port: 5432 }, dump: 'a.sql', keepDump: 'b.sql' });
    expect(both.error?.issues).toEqual([
      expect.objectContaining({ path: ['keepDump'], message: 'keepDump applies to a fresh dump; it cannot be given with dump' }),
    ]);
    expect(postgresRestoreParams.safeParse({ source: { port: 5432 }, tables: [] }).success).toBe(false);
  });
});
