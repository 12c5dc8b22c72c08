import { FiredrillError, UserError, errorMessage } from '../errors.js';
import { FaultInjectError } from '../engine/executor.js';
import type { FaultExecutor, FaultRef, FaultRequest, InjectedFault, RevertedFault } from '../engine/executor.js';
import { faultTag } from '../engine/fault.js';
import type { AnyFaultType, FaultContext, FaultState, Verification } from '../engine/fault.js';
import { privateDir } from '../util/private-files.js';
import { didYouMean } from '../util/suggest.js';
import type { ProxyManager } from '../proxy/api.js';
import type { HostAllow } from './host-allow.js';
import type { Ledger, LedgerRecord } from './ledger.js';

export interface LocalExecutorOptions {
  readonly ledger: Ledger;
  readonly faults: ReadonlyMap<string, AnyFaultType>;
  /** Handed to faults as `ctx.workDir` (worker logs, pid files). */
  readonly workDir: string;
  /** The fault proxies proxy and HTTP faults act on (`ctx.proxies`). */
  readonly proxies?: ProxyManager;
  /**
   * What this host lets a request make it run, read or write (start commands, pid files, fill
   * directories). The agent always gives one: its requests come from whoever holds the token.
   * Without one nothing is checked (tests, and processes that take no requests).
   */
  readonly allow?: HostAllow;
}

/** A request made under a lease (the agent's): the intent records until when it is valid. */
export interface LeasedFaultRequest extends FaultRequest {
  readonly leaseExpiresAt?: number;
}

/** A fault this executor can revert: its ledger record and how to call its type. */
interface Open {
  readonly recordId: number;
  readonly faultId: string;
  readonly typeName: string;
  readonly type: AnyFaultType | undefined;
  readonly ctx: FaultContext<unknown>;
  readonly state: FaultState | undefined;
  /** The record's sealed parameters could not be opened: ctx holds redacted ones, never to act on. */
  readonly sealedError?: string;
}

/**
 * Runs faults in this process, with the ledger as the source of truth:
 *
 *   validate ─▶ ledger intent (fsync) ─▶ type.inject ─▶ ledger active
 *   revert   ─▶ type.revert ─▶ type.verify ─▶ ledger reverted | revert-failed
 *
 * Revert never throws for a known fault: a failure is recorded and returned as a failed
 * verification, because the caller (the engine unwinding a run) must go on reverting the rest.
 */
export class LocalExecutor implements FaultExecutor {
  readonly #ledger: Ledger;
  readonly #faults: ReadonlyMap<string, AnyFaultType>;
  readonly #workDir: string;
  readonly #proxies: ProxyManager | undefined;
  readonly #allow: HostAllow | undefined;
  /** Faults injected by this executor, by run and fault id (see `key`). */
  readonly #injected = new Map<string, Open>();
  /** Injections in flight: a revert waits for them, so it sees the final state (or cleanup). */
  readonly #injecting = new Map<string, Promise<unknown>>();
  /** One revert per ledger record, kept after it settles so a second call gets the same result. */
  readonly #reverts = new Map<number, Promise<RevertedFault>>();

  constructor(options: LocalExecutorOptions) {
    this.#ledger = options.ledger;
    this.#faults = options.faults;
    this.#workDir = options.workDir;
    this.#proxies = options.proxies;
    this.#allow = options.allow;
    privateDir(this.#workDir); // faults write logs and pid files there: 0700
  }

  async inject(request: LeasedFaultRequest, signal: AbortSignal): Promise<InjectedFault> {
    signal.throwIfAborted();
    const type = this.#type(request.type);
    const parsed = type.params.safeParse(request.params);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${['params', ...issue.path].join('.')}: ${issue.message}`);
      throw new UserError('FD_INVALID_PARAMS', `${request.type}: ${problems.join('; ')}`);
    }
    if (request.target.kind !== type.targetKind) {
      throw new UserError('FD_TARGET_KIND', `${request.type} needs a ${type.targetKind} target, got ${request.target.kind}`);
    }
    const params = parsed.data as Record<string, unknown>;
    this.#allow?.checkFault({ ...request, params }); // 403 before anything is recorded or touched
    const id = key(request);
    const previous = this.#injected.get(id);
    if (this.#injecting.has(id) || (previous && !this.#reverts.has(previous.recordId))) {
      throw new FiredrillError('FD_FAULT_ACTIVE', `fault ${request.faultId} is already active`);
    }
    const intent = {
      faultId: request.faultId,
      runId: request.runId,
      step: request.step,
      type: request.type,
      target: request.target,
      params,
      tag: faultTag(request.runId, request.faultId),
      workDir: this.#workDir,
      durationMs: request.durationMs,
      ...(request.leaseExpiresAt !== undefined && { leaseExpiresAt: request.leaseExpiresAt }),
    };
    const record = this.#ledger.recordIntent(intent, { durable: type.volatile !== true }); // before anything is touched
    const open: Open = {
      recordId: record.id,
      faultId: request.faultId,
      typeName: request.type,
      type,
      ctx: revertContext(record, this.#proxies),
      state: undefined,
    };
    this.#injected.set(id, open);
    const attempt = this.#attempt(open, type, signal);
    this.#injecting.set(
      id,
      attempt.catch(() => undefined),
    );
    try {
      return await attempt;
    } finally {
      this.#injecting.delete(id);
    }
  }

  async #attempt(open: Open, type: AnyFaultType, signal: AbortSignal): Promise<InjectedFault> {
    const { recordId, faultId, typeName } = open;
    let state: FaultState | undefined;
    try {
      state = (await type.inject({ ...open.ctx, signal })) as FaultState;
      const injectedAt = Date.now();
      this.#ledger.markActive(recordId, state, injectedAt);
      this.#injected.set(key(open.ctx), { ...open, state });
      return { faultId, injectedAt, output: state };
    } catch (error) {
      // Whatever inject touched (all of it if markActive failed) is reverted before we report.
      const cleanup = await this.#revertOnce({ ...open, state }, errorMessage(error));
      throw new FaultInjectError(`${typeName} fault ${faultId} failed: ${errorMessage(error)}`, cleanup, { cause: error });
    }
  }

  async revert(fault: FaultRef): Promise<RevertedFault> {
    await this.#injecting.get(key(fault)); // let an aborted inject settle and clean up first
    const open = this.#injected.get(key(fault));
    if (open) return await this.#revertOnce(open);
    // Not ours: injected by an executor that crashed or lives in another process.
    const record = this.#ledger.latest(fault.runId, fault.faultId);
    if (!record)
      throw new UserError('FD_UNKNOWN_FAULT', `no fault ${fault.faultId} of run ${fault.runId} in the ledger ${this.#ledger.file}`);
    return await this.#revertRecord(record);
  }

  /** Whether defenders contained an active fault of ours (null: its kind has no check, or it is not active here). */
  async contained(fault: FaultRef): Promise<Verification | null> {
    const open = this.#injected.get(key(fault));
    if (!open?.type?.contained || this.#injecting.has(key(fault)) || this.#reverts.has(open.recordId)) return null;
    try {
      return await open.type.contained(open.ctx, open.state);
    } catch (error) {
      return { ok: false, detail: `cannot tell: ${errorMessage(error)}` };
    }
  }

  /** Reverts and verifies every fault still open in the ledger, in parallel (crash recovery). */
  async recover(): Promise<RevertedFault[]> {
    return await Promise.all(this.#ledger.open().map((record) => this.revertRecord(record)));
  }

  /**
   * Reverts and verifies the fault of one ledger record, whoever injected it. The agent uses it
   * for the records its recovery picked (`revert` would pick the latest record of the fault id).
   */
  async revertRecord(record: LedgerRecord): Promise<RevertedFault> {
    // One of ours (maybe still injecting): go through revert() so it waits for the inject.
    if (this.#injected.get(key(record))?.recordId === record.id) return await this.revert(record);
    return await this.#revertRecord(record);
  }

  /** Closes the ledger; reverts nothing (an open fault stays in the ledger for recovery). */
  close(): Promise<void> {
    this.#ledger.close();
    return Promise.resolve();
  }

  #type(name: string): AnyFaultType {
    const type = this.#faults.get(name);
    if (!type) throw new UserError('FD_UNKNOWN_FAULT_TYPE', `unknown fault type "${name}"${didYouMean(name, this.#faults.keys())}`);
    return type;
  }

  async #revertRecord(record: LedgerRecord): Promise<RevertedFault> {
    const running = this.#reverts.get(record.id);
    if (running) return await running;
    if (record.status === 'reverted' && record.verification) {
      // Already done by someone else: report it, never act twice.
      return {
        faultId: record.faultId,
        revertedAt: record.revertedAt ?? 0,
        verifiedAt: record.verifiedAt ?? 0,
        verification: record.verification,
      };
    }
    const open: Open = {
      recordId: record.id,
      faultId: record.faultId,
      typeName: record.type,
      type: this.#faults.get(record.type),
      ctx: revertContext(record, this.#proxies),
      state: record.state,
      ...(record.sealedError !== undefined && { sealedError: record.sealedError }),
    };
    return await this.#revertOnce(open);
  }

  #revertOnce(open: Open, injectError?: string): Promise<RevertedFault> {
    let pending = this.#reverts.get(open.recordId);
    if (!pending) {
      pending = this.#revertAndRecord(open, injectError);
      this.#reverts.set(open.recordId, pending);
    }
    return pending;
  }

  async #revertAndRecord(open: Open, injectError: string | undefined): Promise<RevertedFault> {
    const { verification, revertedAt, verifiedAt, revertError } = await revertAndVerify(open);
    const error = [injectError && `inject: ${injectError}`, revertError && `revert: ${revertError}`].filter(Boolean).join('; ');
    const outcome = { revertedAt, verifiedAt, verification, ...(error && { error }) };
    try {
      if (verification.ok) this.#ledger.markReverted(open.recordId, outcome);
      else this.#ledger.markRevertFailed(open.recordId, outcome);
    } catch (ledgerError) {
      // The revert happened; say the record could not follow. The record stays open, so a
      // later recovery reverts again, which every fault type tolerates.
      const detail = `${verification.detail} (not recorded in the ledger: ${errorMessage(ledgerError)})`;
      return { faultId: open.faultId, revertedAt, verifiedAt, verification: { ...verification, detail } };
    }
    return { faultId: open.faultId, revertedAt, verifiedAt, verification };
  }
}

/** Fault ids repeat across runs (`f1`); the executor keys faults by both. */
function key(fault: FaultRef): string {
  return `${fault.runId}\u0000${fault.faultId}`;
}

interface RevertResult {
  readonly verification: Verification;
  readonly revertedAt: number;
  readonly verifiedAt: number;
  readonly revertError?: string;
}

/** Why a fault must not be reverted here: its type is unknown, or its record's sealed parameters cannot be read. */
function cannotRevert(open: Open): string | undefined {
  if (!open.type) return `fault type "${open.typeName}" is not known to this executor: nothing was reverted`;
  if (open.sealedError !== undefined)
    return `${open.sealedError}: nothing was reverted (its redacted parameters would miss what it touched)`;
  return undefined;
}

/** Runs revert then verify; neither may throw past here (a failure becomes ok: false). */
async function revertAndVerify(open: Open): Promise<RevertResult> {
  const { type, ctx, state } = open;
  const cannot = cannotRevert(open);
  if (cannot !== undefined || type === undefined) {
    const now = Date.now();
    const detail = cannot ?? 'nothing was reverted';
    return { verification: { ok: false, detail }, revertedAt: now, verifiedAt: now, revertError: detail };
  }
  let revertError: string | undefined;
  try {
    await type.revert(ctx, state);
  } catch (error) {
    revertError = errorMessage(error);
  }
  const revertedAt = Date.now();
  let verification: Verification;
  try {
    verification = await type.verify(ctx, state);
  } catch (error) {
    verification = { ok: false, detail: `verify failed: ${errorMessage(error)}` };
  }
  const verifiedAt = Date.now();
  if (revertError !== undefined) {
    verification = { ok: false, detail: `revert failed: ${revertError}; ${verification.detail}` };
  }
  return { verification, revertedAt, verifiedAt, ...(revertError !== undefined && { revertError }) };
}

/**
 * The context revert and verify run with, rebuilt from the ledger record alone so that a
 * recovering process gets the same one. Its signal never aborts: a revert is never cut short.
 */
function revertContext(record: LedgerRecord, proxies: ProxyManager | undefined): FaultContext<unknown> {
  return {
    runId: record.runId,
    faultId: record.faultId,
    tag: record.tag,
    target: record.target,
    params: record.params,
    workDir: record.workDir,
    signal: new AbortController().signal,
    ...(record.durationMs !== undefined && { durationMs: record.durationMs }),
    ...(proxies && { proxies }),
  };
}
