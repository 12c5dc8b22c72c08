import { closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { FiredrillError, errorMessage } from '../errors.js';
import type { FaultRef } from '../engine/executor.js';
import type { FaultState, Verification } from '../engine/fault.js';
import type { ResolvedTarget } from '../engine/target.js';
import { openPrivate, PRIVATE_FILE, privateDir, tighten } from '../util/private-files.js';
import { SecretSet } from '../util/redact.js';
import { LedgerSeal } from './ledger-seal.js';
import { migrate } from './ledger-schema.js';

/**
 * The agent's durable record of every fault: written before the fault acts (intent), updated
 * when it is active, closed when reverted. What is still open after a crash is what recovery
 * must revert. Faults move through:
 *
 *   intent ──▶ active ──▶ reverted | revert-failed
 *      └─────────────────▶ reverted | revert-failed     (inject failed and was cleaned up)
 */
export type FaultStatus = 'intent' | 'active' | 'reverted' | 'revert-failed';

export interface Intent {
  readonly faultId: string;
  readonly runId: string;
  readonly step: string;
  readonly type: string;
  readonly target: ResolvedTarget;
  /** Validated parameters (defaults applied): recovery uses them as they are. */
  readonly params: Record<string, unknown>;
  readonly tag: string;
  readonly workDir: string;
  readonly durationMs?: number;
  /**
   * When the fault stops being valid (epoch ms): its run's lease on the agent. Renewals move it
   * (`extendLease`); absent for faults run without a lease (the CLI's in-process executor).
   */
  readonly leaseExpiresAt?: number;
}

export interface LedgerRecord extends Intent {
  readonly id: number;
  readonly status: FaultStatus;
  readonly state?: FaultState;
  readonly createdAt: number;
  readonly injectedAt?: number;
  readonly revertedAt?: number;
  readonly verifiedAt?: number;
  readonly verification?: Verification;
  readonly error?: string;
  /** Why the revert was started (`lease expired at …`, `halt: …`, `recovery: …`), noted before it acts. */
  readonly revertReason?: string;
  /**
   * Why the record's sealed parameters could not be opened (ledger.key lost): its params, target
   * and state are then the redacted ones (`***`), and a revert must not act on them.
   */
  readonly sealedError?: string;
}

export interface LedgerOptions {
  /**
   * Values to keep out of the ledger's files (a run's secret variables, told by its requests).
   * The ledger adds those it finds sealed in its records, so a restarted agent knows them again.
   */
  readonly secrets?: SecretSet;
}

/** What a record with a secret keeps sealed: everything its revert may read, in clear. */
interface Sealed {
  readonly params: Record<string, unknown>;
  readonly target: ResolvedTarget;
  readonly state?: FaultState;
  readonly secrets: readonly string[];
}

/** What the ledger knows of a tag: an open record owns it, only closed ones, or none at all. */
export type TagStatus = 'open' | 'closed' | 'unknown';

export interface RevertOutcome {
  readonly revertedAt: number;
  readonly verifiedAt: number;
  readonly verification: Verification;
  /** Why it went wrong: the inject error for an inject cleanup, the revert error otherwise. */
  readonly error?: string;
}

/** `<stateDir>/ledger.db`; the state dir is `.firedrill` unless `--state-dir` says otherwise. */
export function ledgerFile(stateDir: string): string {
  return join(stateDir, 'ledger.db');
}

interface Row {
  id: number;
  fault_id: string;
  run_id: string;
  step: string;
  type: string;
  target: string;
  params: string;
  tag: string;
  work_dir: string;
  duration_ms: number | null;
  status: FaultStatus;
  state: string | null;
  created_at: number;
  injected_at: number | null;
  reverted_at: number | null;
  verified_at: number | null;
  verification: string | null;
  error: string | null;
  lease_expires_at: number | null;
  revert_reason: string | null;
  sealed: string | null;
}

export class Ledger {
  readonly file: string;
  /** What the ledger redacts from its readable columns; the agent's log redacts the same. */
  readonly secrets: SecretSet;
  readonly #seal: LedgerSeal;
  readonly #db: Database.Database;
  readonly #insert: Statement;
  readonly #activate: Statement;
  readonly #close: Statement;
  readonly #byId: Statement<[number], Row>;
  readonly #latest: Statement<[string, string], Row>;
  readonly #open: Statement<[], Row>;
  readonly #extendLease: Statement<[number, string]>;
  readonly #noteReason: Statement<[string, string, string]>;
  readonly #tagStatus: Statement<[string], { open: number | null; total: number }>;
  readonly #seenParams: Statement<[string], { params: string; sealed: string | null; tag: string }>;
  readonly #saveProxy: Statement<[string, string, string, number]>;
  readonly #forgetProxy: Statement<[string]>;
  readonly #proxies: Statement<[], { name: string; listen: string; upstream: string }>;

  constructor(file: string, options: LedgerOptions = {}) {
    this.file = file;
    this.secrets = options.secrets ?? new SecretSet();
    this.#seal = new LedgerSeal(file);
    // 0600 before SQLite opens it: the -wal and -shm files it makes take the database's mode.
    privateDir(dirname(file));
    closeSync(openPrivate(file));
    for (const suffix of ['-wal', '-shm']) tighten(`${file}${suffix}`, PRIVATE_FILE);
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    // NORMAL between intents: losing an `active` or `reverted` update to a power cut is safe,
    // because recovery then reverts again and every revert works without state and twice.
    // recordIntent switches to FULL for its own commit (see there). One fsync per fault
    // instead of three keeps `halt` of 100 faults within its 100 ms.
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000'); // the CLI and an agent may share the file
    migrate(this.#db);
    this.#insert = this.#db.prepare(
      `INSERT INTO faults (fault_id, run_id, step, type, target, params, tag, work_dir, duration_ms, lease_expires_at, status, created_at, sealed)
       VALUES (@faultId, @runId, @step, @type, @target, @params, @tag, @workDir, @durationMs, @leaseExpiresAt, 'intent', @createdAt, @sealed)`,
    );
    this.#activate = this.#db.prepare(
      `UPDATE faults SET status = 'active', state = ?, sealed = ?, injected_at = ? WHERE id = ? AND status = 'intent'`,
    );
    this.#close = this.#db.prepare(
      `UPDATE faults SET status = @status, reverted_at = @revertedAt, verified_at = @verifiedAt,
         verification = @verification, error = COALESCE(@error, error)
       WHERE id = @id AND status IN ('intent', 'active', 'revert-failed')`,
    );
    this.#byId = this.#db.prepare(`SELECT * FROM faults WHERE id = ?`);
    this.#latest = this.#db.prepare(`SELECT * FROM faults WHERE run_id = ? AND fault_id = ? ORDER BY id DESC LIMIT 1`);
    this.#open = this.#db.prepare(`SELECT * FROM faults WHERE status IN ('intent', 'active') ORDER BY id`);
    this.#extendLease = this.#db.prepare(`UPDATE faults SET lease_expires_at = ? WHERE run_id = ? AND status IN ('intent', 'active')`);
    // The first reason wins: a fault halted while its lease was expiring was halted.
    this.#noteReason = this.#db.prepare(
      `UPDATE faults SET revert_reason = COALESCE(revert_reason, ?) WHERE run_id = ? AND fault_id = ? AND status IN ('intent', 'active')`,
    );
    this.#tagStatus = this.#db.prepare(`SELECT MAX(status IN ('intent', 'active')) AS open, COUNT(*) AS total FROM faults WHERE tag = ?`);
    this.#seenParams = this.#db.prepare(`SELECT DISTINCT params, sealed, tag FROM faults WHERE type = ?`);
    this.#saveProxy = this.#db.prepare(
      `INSERT INTO proxies (name, listen, upstream, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET listen = excluded.listen, upstream = excluded.upstream, updated_at = excluded.updated_at`,
    );
    this.#forgetProxy = this.#db.prepare(`DELETE FROM proxies WHERE name = ?`);
    this.#proxies = this.#db.prepare(`SELECT name, listen, upstream FROM proxies ORDER BY name`);
  }

  /** Remembers a proxy the agent must run, also after a restart. */
  saveProxy(proxy: { name: string; listen: string; upstream: string }): void {
    this.#saveProxy.run(proxy.name, proxy.listen, proxy.upstream, Date.now());
  }

  forgetProxy(name: string): void {
    this.#forgetProxy.run(name);
  }

  savedProxies(): { name: string; listen: string; upstream: string }[] {
    return this.#proxies.all();
  }

  /** Durably records that a fault is about to be injected; returns the new record. */
  recordIntent(intent: Intent, { durable = true }: { durable?: boolean } = {}): LedgerRecord {
    // A fault whose effect dies with Firedrill's processes (FaultType.volatile) is recorded
    // with a NORMAL commit: in the WAL, so it survives a crash of this process.
    if (!durable) return this.#recordIntent(intent);
    // FULL: this commit is fsynced, so the intent is on disk before the fault acts (and it
    // carries every NORMAL commit before it along).
    this.#db.pragma('synchronous = FULL');
    try {
      return this.#recordIntent(intent);
    } finally {
      this.#db.pragma('synchronous = NORMAL');
    }
  }

  #recordIntent(intent: Intent): LedgerRecord {
    const { params, target } = intent;
    const secrets = this.secrets.occurringIn([params, target]);
    const result = this.#insert.run({
      ...intent,
      target: JSON.stringify(this.secrets.redact(target)),
      params: JSON.stringify(this.secrets.redact(params)),
      sealed: secrets.length > 0 ? this.#seal.seal({ params, target, secrets } satisfies Sealed, intent.tag) : null,
      durationMs: intent.durationMs ?? null,
      leaseExpiresAt: intent.leaseExpiresAt ?? null,
      createdAt: Date.now(),
    });
    return this.get(Number(result.lastInsertRowid)) as LedgerRecord;
  }

  /** Fails when the record is no longer `intent` (e.g. a recovery reverted it meanwhile). */
  markActive(id: number, state: FaultState, injectedAt = Date.now()): void {
    const row = this.#byId.get(id);
    const opened = row?.sealed ? this.#unseal(row) : undefined;
    const secrets = [...new Set([...(opened?.secrets ?? []), ...this.secrets.occurringIn(state)])];
    let sealed = row?.sealed ?? null;
    if (row && secrets.length > 0) {
      const clear = opened ?? {
        params: JSON.parse(row.params) as Record<string, unknown>,
        target: JSON.parse(row.target) as ResolvedTarget,
      };
      sealed = this.#seal.seal({ params: clear.params, target: clear.target, state, secrets } satisfies Sealed, row.tag);
    }
    const result = this.#activate.run(JSON.stringify(this.secrets.redact(state)), sealed, injectedAt, id);
    if (result.changes !== 1) throw new FiredrillError('FD_LEDGER_STATE', `fault record ${id} is not awaiting activation`);
  }

  markReverted(id: number, outcome: RevertOutcome): void {
    this.#finish(id, 'reverted', outcome);
  }

  markRevertFailed(id: number, outcome: RevertOutcome): void {
    this.#finish(id, 'revert-failed', outcome);
  }

  #finish(id: number, status: FaultStatus, outcome: RevertOutcome): void {
    this.#learnSecretsOf(id); // the verification may name them (a path)
    const result = this.#close.run({
      id,
      status,
      revertedAt: outcome.revertedAt,
      verifiedAt: outcome.verifiedAt,
      verification: JSON.stringify(this.secrets.redact(outcome.verification)),
      error: outcome.error === undefined ? null : this.secrets.redact(outcome.error),
    });
    if (result.changes !== 1) throw new FiredrillError('FD_LEDGER_STATE', `fault record ${id} is already reverted or does not exist`);
  }

  /** Moves the validity of every open record of a run (a lease renewal); returns how many moved. */
  extendLease(runId: string, expiresAt: number): number {
    return this.#extendLease.run(expiresAt, runId).changes;
  }

  /** Says on the open records of these faults why they are about to be reverted: one commit, before the revert acts. */
  noteRevertReason(faults: readonly FaultRef[], reason: string): void {
    this.#db.transaction(() => {
      for (const fault of faults) this.#noteReason.run(this.secrets.redact(reason), fault.runId, fault.faultId);
    })();
  }

  /**
   * Whether a tag belongs to this ledger and is still owned. `unknown` tags are someone
   * else's (another state directory's faults): an orphan sweep must leave their artefacts alone.
   */
  tagStatus(tag: string): TagStatus {
    const row = this.#tagStatus.get(tag);
    if (!row || row.total === 0) return 'unknown';
    return row.open === 1 ? 'open' : 'closed';
  }

  /** Distinct parameters of the faults of a type ever recorded: where their artefacts may be. */
  seenParams(type: string): Record<string, unknown>[] {
    const seen = new Map<string, Record<string, unknown>>();
    for (const row of this.#seenParams.all(type)) {
      let params = JSON.parse(row.params) as Record<string, unknown>;
      if (row.sealed) {
        try {
          params = this.#unseal(row).params;
        } catch {
          // its key is gone: the redacted parameters are all there is (a sweep finds nothing there)
        }
      }
      seen.set(JSON.stringify(params), params);
    }
    return [...seen.values()];
  }

  /** Records still `intent` or `active`: what a recovery must revert. */
  open(): LedgerRecord[] {
    return this.#open.all().map((row) => this.#toRecord(row));
  }

  get(id: number): LedgerRecord | undefined {
    const row = this.#byId.get(id);
    return row && this.#toRecord(row);
  }

  /** The most recent record of a fault id (ids may repeat across runs). */
  latest(runId: string, faultId: string): LedgerRecord | undefined {
    const row = this.#latest.get(runId, faultId);
    return row && this.#toRecord(row);
  }

  close(): void {
    this.#db.close();
  }

  #learnSecretsOf(id: number): void {
    const row = this.#byId.get(id);
    try {
      if (row?.sealed) this.#unseal(row);
    } catch {
      // its key is gone: what was redacted stays so, and the outcome is recorded all the same
    }
  }

  /** Opens a record's seal and learns its secrets; throws FD_LEDGER_SEAL when it cannot. */
  #unseal(row: { sealed: string | null; tag: string }): Sealed {
    const sealed = this.#seal.unseal(row.sealed ?? '', row.tag) as Sealed;
    this.secrets.add(sealed.secrets);
    return sealed;
  }

  /** The record as the fault saw it: its sealed parameters opened, else what the columns say. */
  #toRecord(row: Row): LedgerRecord {
    if (!row.sealed) return toRecord(row);
    try {
      const { params, target, state } = this.#unseal(row);
      return { ...toRecord(row), params, target, ...(state !== undefined && { state }) };
    } catch (error) {
      return { ...toRecord(row), sealedError: errorMessage(error) };
    }
  }
}

function toRecord(row: Row): LedgerRecord {
  return {
    id: row.id,
    faultId: row.fault_id,
    runId: row.run_id,
    step: row.step,
    type: row.type,
    target: JSON.parse(row.target) as ResolvedTarget,
    params: JSON.parse(row.params) as Record<string, unknown>,
    tag: row.tag,
    workDir: row.work_dir,
    ...(row.duration_ms !== null && { durationMs: row.duration_ms }),
    status: row.status,
    ...(row.state !== null && { state: JSON.parse(row.state) as FaultState }),
    createdAt: row.created_at,
    ...(row.injected_at !== null && { injectedAt: row.injected_at }),
    ...(row.reverted_at !== null && { revertedAt: row.reverted_at }),
    ...(row.verified_at !== null && { verifiedAt: row.verified_at }),
    ...(row.verification !== null && { verification: JSON.parse(row.verification) as Verification }),
    ...(row.error !== null && { error: row.error }),
    ...(row.lease_expires_at !== null && { leaseExpiresAt: row.lease_expires_at }),
    ...(row.revert_reason !== null && { revertReason: row.revert_reason }),
  };
}
