import { FiredrillError, errorMessage } from '../../errors.js';
import type { FaultRef, InjectedFault } from '../../engine/executor.js';
import type { Verification } from '../../engine/fault.js';
import { faultTag } from '../../engine/fault.js';
import type { ResolvedTarget } from '../../engine/target.js';
import { DEFAULT_LEASE_TTL_MS } from '../../agent-protocol/api.js';
import type {
  ActiveFaultInfo,
  HaltResponse,
  HaltState,
  InjectRequest,
  InjectResponse,
  LeaseResponse,
  RevertedRunFault,
} from '../../agent-protocol/api.js';
import type { Ledger, LedgerRecord } from '../ledger.js';
import type { LocalExecutor } from '../local-executor.js';
import type { Logger } from '../../util/log.js';
import type { HaltSwitch } from './halt-switch.js';
import { Leases } from './leases.js';

export interface KeeperOptions {
  readonly ledger: Ledger;
  readonly executor: LocalExecutor;
  readonly halt: HaltSwitch;
  readonly log: Logger;
  readonly defaultLeaseTtlMs?: number;
  /** Faults made outside the keeper (the Toxiproxy API): halt and shutdown revert them too. */
  readonly external?: ExternalFaults;
}

export interface ExternalFaults {
  /** A live fault of theirs, not a crash's leftover. */
  owns(record: LedgerRecord): boolean;
  revertAll(reason: string): Promise<RevertedRunFault[]>;
}

/** A fault this agent injected (or is injecting) and has not finished reverting. */
interface Entry extends FaultRef {
  readonly step: string;
  readonly type: string;
  readonly target: ResolvedTarget;
  /** 0 while the inject runs. */
  injectedAt: number;
  /** Aborts a slow inject (a worker touching gigabytes) when the fault must go. */
  readonly abort: AbortController;
  /** Set once a revert started: why, and its outcome. Set once, so a fault is reverted once. */
  ending?: { readonly reason: string; readonly result: Promise<RevertedRunFault> };
}

/** Runs whose expired faults are remembered for their lease responses; the oldest are forgotten. */
const REMEMBERED_RUNS = 1000;

/**
 * The agent's live faults, each under its run's lease:
 *
 *   inject ──▶ live ──▶ revert on request | lease expired | halt | shutdown ──▶ gone
 *
 * The executor and its ledger do the work and keep the records; the keeper decides when a
 * fault must go and makes sure every path reverts it exactly once (`#end`).
 */
export class FaultKeeper {
  readonly #ledger: Ledger;
  readonly #executor: LocalExecutor;
  readonly #halt: HaltSwitch;
  readonly #log: Logger;
  readonly #defaultTtl: number;
  readonly #external: ExternalFaults | undefined;
  readonly #runs = new Map<string, Map<string, Entry>>();
  readonly #leases = new Leases((runId, expiresAt) => this.#expire(runId, expiresAt));
  readonly #expired = new Map<string, Set<string>>();
  /** Runs that said they are over: their injections are refused (the oldest are forgotten). */
  readonly #ended = new Set<string>();
  /** Reverts started by a timer or a halt file rather than a request: close() waits for them. */
  readonly #background = new Set<Promise<unknown>>();
  #closing = false;

  constructor(options: KeeperOptions) {
    this.#ledger = options.ledger;
    this.#executor = options.executor;
    this.#halt = options.halt;
    this.#log = options.log;
    this.#defaultTtl = options.defaultLeaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.#external = options.external;
  }

  async inject(runId: string, request: InjectRequest): Promise<InjectResponse> {
    if (this.#closing) throw new FiredrillError('FD_SHUTTING_DOWN', 'the agent is shutting down');
    const halted = this.halted();
    if (halted) throw haltedError(halted);
    if (this.#ended.has(runId)) throw new FiredrillError('FD_RUN_ENDED', `run ${runId} has ended: its injections are refused`);
    const run = this.#runs.get(runId) ?? new Map<string, Entry>();
    this.#runs.set(runId, run);
    if (run.has(request.faultId)) {
      throw new FiredrillError('FD_FAULT_ACTIVE', `fault ${request.faultId} of run ${runId} is already active (or still being reverted)`);
    }
    const leaseExpiresAt = this.#leases.set(runId, request.leaseTtlMs ?? this.#defaultTtl, true);
    this.#moveLease(runId, leaseExpiresAt);
    const { faultId, step, type, target } = request;
    const entry: Entry = { runId, faultId, step, type, target, injectedAt: 0, abort: new AbortController() };
    run.set(faultId, entry);
    let injected: InjectedFault;
    try {
      const { params, durationMs } = request;
      injected = await this.#executor.inject(
        { runId, faultId, step, type, target, params, durationMs, leaseExpiresAt },
        entry.abort.signal,
      );
    } catch (error) {
      if (entry.ending) throw await this.#endedWhileInjecting(entry, error);
      this.#forget(entry); // the executor cleaned up whatever the inject touched
      throw error;
    }
    if (entry.ending) throw await this.#endedWhileInjecting(entry);
    entry.injectedAt = injected.injectedAt;
    this.#log.info('fault injected', { runId, faultId, type, step, leaseExpiresAt });
    return { ...injected, leaseExpiresAt: this.#leases.expiresAt(runId) ?? leaseExpiresAt };
  }

  /** Whether the defenders contained a live fault (null: its kind has no check, or it is not live). */
  contained(runId: string, faultId: string): Promise<Verification | null> {
    return this.#runs.get(runId)?.has(faultId) ? this.#executor.contained({ runId, faultId }) : Promise.resolve(null);
  }

  /** Reverts one fault: a live one, else whatever the ledger holds of it (404 when nothing). */
  async revert(runId: string, faultId: string): Promise<RevertedRunFault> {
    const entry = this.#runs.get(runId)?.get(faultId);
    const reason = 'reverted on request';
    this.#noteReason([{ runId, faultId }], reason);
    const result = entry ? await this.#end(entry, reason) : { ...(await this.#executor.revert({ runId, faultId })), runId };
    this.#log.info('fault reverted', { runId, faultId, verification: result.verification });
    return result;
  }

  /**
   * The run is over or aborting: refuse its injections from now on, and revert every fault of
   * it at once — one still being injected has its inject aborted, then is reverted. Without
   * this, an aborting run would wait for each queued injection to finish before reverting it.
   */
  async endRun(runId: string, reason: string): Promise<RevertedRunFault[]> {
    this.#ended.add(runId);
    if (this.#ended.size > REMEMBERED_RUNS) this.#ended.delete(this.#ended.values().next().value as string);
    const entries = [...(this.#runs.get(runId)?.values() ?? [])];
    this.#noteReason(
      entries.filter((e) => !e.ending),
      reason,
    );
    const reverted = await Promise.all(entries.map((e) => this.#end(e, reason)));
    this.#leases.drop(runId);
    if (reverted.length > 0) this.#log.info('run ended: its faults reverted', { runId, reason, reverted: reverted.length });
    return reverted;
  }

  /** Renews the run's lease (every live fault of the run with it) and says how the run stands. */
  renew(runId: string, ttlMs?: number): LeaseResponse {
    const halted = this.halted();
    // No new timer while shutting down: it would hold the process open for a whole TTL.
    const expiresAt = this.#closing ? Date.now() : this.#leases.set(runId, ttlMs ?? this.#defaultTtl);
    this.#moveLease(runId, expiresAt);
    const active = [...(this.#runs.get(runId)?.values() ?? [])].filter((e) => !e.ending).map((e) => e.faultId);
    return { expiresAt, halted, active, expired: [...(this.#expired.get(runId) ?? [])] };
  }

  /** The halt in force, re-read from halt.json; a halt written there by someone else reverts everything. */
  halted(): HaltState | null {
    if (this.#halt.refresh()) {
      const reason = `halt: ${this.#halt.state?.reason ?? ''}`;
      this.#log.warn('halt.json appeared: reverting every fault', { reason });
      this.#track(this.#revertEverything(reason));
    }
    return this.#halt.state;
  }

  /** Reverts every fault at once, in parallel, and refuses injections until resume. */
  async halt(reason: string): Promise<HaltResponse> {
    const started = performance.now();
    this.#halt.refresh();
    const { state: halted, notPersisted } = this.#halt.halt(reason); // on disk before the first revert
    if (notPersisted)
      this.#log.error('could not write halt.json: the halt holds until resume, but not across a restart', { error: notPersisted });
    const reverted = await this.#revertEverything(`halt: ${halted.reason}`);
    const latencyMs = performance.now() - started;
    const failed = reverted.filter((r) => !r.verification.ok).map((r) => `${r.runId}/${r.faultId}`);
    this.#log.warn('halted', { reason: halted.reason, reverted: reverted.length, failed, latencyMs });
    return { halted, reverted, latencyMs };
  }

  resume(): void {
    this.#halt.resume();
    this.#log.info('resumed: injections accepted again');
  }

  /** Reverts the open ledger records no live fault owns (a crash's leftovers). */
  async recover(reason: string): Promise<RevertedRunFault[]> {
    const strays = this.#strays();
    this.#noteReason(strays, reason);
    const reverted = await Promise.all(strays.map((record) => this.#revertRecord(record)));
    for (const r of reverted) {
      this.#log.info('recovered fault', { runId: r.runId, faultId: r.faultId, reason, verification: r.verification });
      // A run still alive (its agent was restarted under it) learns at its next renewal.
      this.#rememberLost(r.runId, [r.faultId]);
    }
    return reverted;
  }

  /** Refuses new work, reverts everything, waits for reverts in flight. */
  async shutdown(reason: string): Promise<RevertedRunFault[]> {
    this.#closing = true;
    this.#leases.clear();
    const reverted = await this.#revertEverything(reason);
    await Promise.all(this.#background);
    return reverted;
  }

  faults(): ActiveFaultInfo[] {
    return this.#entries()
      .filter((e) => e.injectedAt > 0 && !e.ending)
      .map(({ runId, faultId, step, type, target, injectedAt }) => {
        return { runId, faultId, step, type, target, injectedAt, leaseExpiresAt: this.#leases.expiresAt(runId) ?? 0 };
      });
  }

  /** Faults injecting, live or reverting: any of them keeps the agent from idling out. */
  get size(): number {
    return this.#entries().length;
  }

  owns(tag: string): boolean {
    return this.#entries().some((e) => faultTag(e.runId, e.faultId) === tag);
  }

  /** Faults of a run reverted without its controller asking: its next lease renewal hears of them. */
  #rememberLost(runId: string, faultIds: readonly string[]): void {
    const lost = this.#expired.get(runId) ?? new Set<string>();
    for (const faultId of faultIds) lost.add(faultId);
    this.#expired.delete(runId); // re-inserted last: the map forgets the oldest runs first
    this.#expired.set(runId, lost);
    if (this.#expired.size > REMEMBERED_RUNS) this.#expired.delete(this.#expired.keys().next().value as string);
  }

  #expire(runId: string, expiresAt: number): void {
    const entries = [...(this.#runs.get(runId)?.values() ?? [])].filter((e) => !e.ending);
    if (entries.length === 0) return;
    const reason = `lease expired at ${new Date(expiresAt).toISOString()}`;
    const faults = entries.map((e) => e.faultId);
    this.#log.warn('lease expired: reverting the run’s faults', { runId, faults, lateMs: Date.now() - expiresAt });
    this.#rememberLost(runId, faults);
    this.#noteReason(entries, reason);
    const reverts = Promise.all(entries.map((e) => this.#end(e, reason))).then((results) => {
      for (const r of results) {
        const fields = { runId, faultId: r.faultId, reason, verification: r.verification, lateMs: r.verifiedAt - expiresAt };
        if (r.verification.ok) this.#log.info('fault reverted', fields);
        else this.#log.error('fault revert not verified', fields);
      }
    });
    this.#track(reverts);
  }

  async #revertEverything(reason: string): Promise<RevertedRunFault[]> {
    const entries = this.#entries();
    const strays = this.#strays();
    this.#noteReason([...entries.filter((e) => !e.ending), ...strays], reason);
    const [own, external] = await Promise.all([
      Promise.all([...entries.map((e) => this.#end(e, reason)), ...strays.map((r) => this.#revertRecord(r))]),
      this.#external?.revertAll(reason) ?? [],
    ]);
    return [...own, ...external];
  }

  /** Starts the one revert of a live fault (later callers get the same outcome). */
  #end(entry: Entry, reason: string): Promise<RevertedRunFault> {
    if (entry.ending) return entry.ending.result;
    entry.abort.abort(new FiredrillError('FD_REVERTING', `the fault is being reverted: ${reason}`));
    const result = this.#executor
      .revert(entry)
      .then((reverted) => ({ ...reverted, runId: entry.runId }))
      .catch((error: unknown) => failedRevert(entry, error))
      .finally(() => this.#forget(entry));
    entry.ending = { reason, result };
    return result;
  }

  async #revertRecord(record: LedgerRecord): Promise<RevertedRunFault> {
    try {
      return { ...(await this.#executor.revertRecord(record)), runId: record.runId };
    } catch (error) {
      return failedRevert(record, error);
    }
  }

  async #endedWhileInjecting(entry: Entry, cause?: unknown): Promise<FiredrillError> {
    const reason = entry.ending?.reason ?? 'reverted';
    await entry.ending?.result;
    const code = reason.startsWith('halt') ? 'FD_HALTED' : this.#ended.has(entry.runId) ? 'FD_RUN_ENDED' : 'FD_FAULT_ENDED';
    return new FiredrillError(code, `fault ${entry.faultId} was reverted while it was being injected: ${reason}`, { cause });
  }

  #forget(entry: Entry): void {
    const run = this.#runs.get(entry.runId);
    if (run?.get(entry.faultId) !== entry) return; // a newer inject of the same id took its place
    run.delete(entry.faultId);
    if (run.size === 0) this.#runs.delete(entry.runId);
  }

  #entries(): Entry[] {
    return [...this.#runs.values()].flatMap((run) => [...run.values()]);
  }

  /** Open ledger records no live fault stands for: another process's, or a crashed agent's. */
  #strays(): LedgerRecord[] {
    return this.#ledger.open().filter((record) => !this.#runs.get(record.runId)?.has(record.faultId) && !this.#external?.owns(record));
  }

  #moveLease(runId: string, expiresAt: number): void {
    try {
      this.#ledger.extendLease(runId, expiresAt);
    } catch (error) {
      this.#log.warn('could not record the lease in the ledger', { runId, error });
    }
  }

  #noteReason(faults: readonly FaultRef[], reason: string): void {
    if (faults.length === 0) return;
    try {
      this.#ledger.noteRevertReason(faults, reason);
    } catch (error) {
      this.#log.warn('could not record why faults are reverted', { reason, error }); // the revert itself goes on
    }
  }

  #track(work: Promise<unknown>): void {
    const tracked: Promise<unknown> = work
      .catch((error: unknown) => this.#log.error('background revert failed', { error }))
      .finally(() => this.#background.delete(tracked));
    this.#background.add(tracked);
  }
}

function haltedError(halted: HaltState): FiredrillError {
  return new FiredrillError('FD_HALTED', `injections are refused: halted since ${halted.at} (${halted.reason}); resume releases the halt`);
}

/** Revert never rejects for a known fault; should it anyway, the fault is reported as not verified. */
function failedRevert(fault: FaultRef, error: unknown): RevertedRunFault {
  const now = Date.now();
  return {
    runId: fault.runId,
    faultId: fault.faultId,
    revertedAt: now,
    verifiedAt: now,
    verification: { ok: false, detail: `revert failed: ${errorMessage(error)}` },
  };
}
