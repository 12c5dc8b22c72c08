// 10,000 ended runs written straight into a store the server has migrated (SQLite or
// PostgreSQL), in batches: what a year of drills leaves behind.
import Database from 'better-sqlite3';
import pg from 'pg';

const JOURNAL = JSON.stringify({ verdict: 'passed', padding: 'x'.repeat(5000) });
const COLUMNS = [
  'id',
  'title',
  'state',
  'verdict',
  'reason',
  'secret',
  'started_by',
  'created_at',
  'started_at',
  'ended_at',
  'tags',
  'request',
];

function row(i, now) {
  const at = now - (10_000 - i) * 60_000;
  const verdict = ['passed', 'deviated', 'aborted'][i % 3];
  return [
    `seed-${String(i).padStart(6, '0')}`,
    `drill ${i}`,
    'ended',
    verdict,
    'seeded',
    0,
    'bench',
    at,
    at,
    at + 5000,
    '["seed"]',
    '{"name":"seed.yaml"}',
  ];
}

export async function seedRuns(where, count) {
  const now = Date.now();
  const rows = Array.from({ length: count }, (_, i) => row(i, now));
  if (where.sqlite) {
    const db = new Database(where.sqlite);
    db.pragma('busy_timeout = 5000');
    const insert = db.prepare(`INSERT INTO runs (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
    const journal = db.prepare('INSERT INTO run_journals (run_id, journal) VALUES (?, ?)');
    db.transaction(() =>
      rows.forEach((r) => {
        insert.run(...r);
        journal.run(r[0], JOURNAL);
      }),
    )();
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: where.postgres });
  await client.connect();
  try {
    for (let start = 0; start < rows.length; start += 500) {
      const batch = rows.slice(start, start + 500);
      const values = batch.map((_, r) => `(${COLUMNS.map((_, c) => `$${r * COLUMNS.length + c + 1}`).join(', ')})`).join(', ');
      await client.query(`INSERT INTO runs (${COLUMNS.join(', ')}) VALUES ${values}`, batch.flat());
      const journals = batch.map((_, r) => `($${2 * r + 1}, $${2 * r + 2})`).join(', ');
      await client.query(
        `INSERT INTO run_journals (run_id, journal) VALUES ${journals}`,
        batch.flatMap((r) => [r[0], JOURNAL]),
      );
    }
  } finally {
    await client.end();
  }
}
