import type { Database } from 'better-sqlite3';

/**
 * Schema migrations, applied in order; `PRAGMA user_version` holds how many ran. Append only:
 * a ledger written by an older Firedrill must open in a newer one (a host may crash mid-drill
 * and be recovered after an upgrade).
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE faults (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     fault_id TEXT NOT NULL,
     run_id TEXT NOT NULL,
     step TEXT NOT NULL,
     type TEXT NOT NULL,
     target TEXT NOT NULL,
     params TEXT NOT NULL,
     tag TEXT NOT NULL,
     work_dir TEXT NOT NULL,
     duration_ms INTEGER,
     status TEXT NOT NULL CHECK (status IN ('intent', 'active', 'reverted', 'revert-failed')),
     state TEXT,
     created_at INTEGER NOT NULL,
     injected_at INTEGER,
     reverted_at INTEGER,
     verified_at INTEGER,
     verification TEXT,
     error TEXT
   );
   CREATE INDEX faults_by_fault_id ON faults (fault_id);
   CREATE INDEX faults_open ON faults (status) WHERE status IN ('intent', 'active');`,
  // 2: leases. The intent says until when it is valid (the run's lease, moved on each renewal),
  // and a closed record says why it was reverted (lease expired, halt, recovery…). Lookups by
  // tag serve the orphan sweep, by run the lease renewals.
  `ALTER TABLE faults ADD COLUMN lease_expires_at INTEGER;
   ALTER TABLE faults ADD COLUMN revert_reason TEXT;
   CREATE INDEX faults_by_tag ON faults (tag);
   CREATE INDEX faults_by_run ON faults (run_id, fault_id);`,
  // 3: fault proxies are infrastructure, not faults: they outlive a restart of the agent
  // (recreated without toxics), so services keep reaching their dependencies.
  `CREATE TABLE proxies (
     name TEXT PRIMARY KEY,
     listen TEXT NOT NULL,
     upstream TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   );`,
  // 4: a fault whose parameters hold a secret keeps params, target and state redacted in their
  // columns and, for its revert, in clear only sealed under ledger.key (see ledger-seal.ts).
  `ALTER TABLE faults ADD COLUMN sealed TEXT;`,
];

/** The schema version a ledger has once opened by this Firedrill. */
export const LEDGER_VERSION = MIGRATIONS.length;

export function migrate(db: Database): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  MIGRATIONS.slice(applied).forEach((sql, i) => {
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${applied + i + 1}`);
    })();
  });
}
