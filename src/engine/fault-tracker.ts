import { errorMessage } from '../errors.js';
import { ContainmentWatch } from './containment-watch.js';
import type { EventBus } from './events.js';
import { FaultInjectError } from './executor.js';
import type { FaultExecutor, InjectedFault } from './executor.js';
import { iso } from './journal.js';
import type { FaultRecord } from './journal.js';
import type { ResolvedTarget } from './target.js';

export interface InjectRequest {
  readonly step: string;
  readonly type: string;
  readonly target: ResolvedTarget;
  readonly params: Record<string, unknown>;
  readonly durationMs?: number;
}

/**
 * Every fault of a run, from the moment it is requested until it is reverted.
 *
 * Invariant: once `revertAll` has been called, every fault — active or still being injected —
 * ends up reverted: an injection that completes after an abort is reverted as soon as it
 * returns. Reverts run concurrently and each fault is reverted at most once.
 */
export class FaultTracker {
  private readonly records = new Map<string, FaultRecord>();
  private readonly injecting = new Map<string, Promise<unknown>>();
  private readonly reverts = new Map<string, Promise<void>>();
  private closing = false;
  private counter = 0;
  private readonly containment: ContainmentWatch;

  constructor(
    private readonly runId: string,
    private readonly executor: FaultExecutor,
    private readonly bus: EventBus,
  ) {
    this.containment = new ContainmentWatch(runId, executor, bus);
  }

  get all(): readonly FaultRecord[] {
    return [...this.records.values()];
  }

  async inject(request: InjectRequest, signal: AbortSignal): Promise<InjectedFault> {
    if (this.closing || signal.aborted) throw new Error('the run is ending: no new fault is injected');
    const faultId = `f${++this.counter}`;
    const started = Date.now();
    const record: FaultRecord = { faultId, ...request, status: 'injecting', injectStartedAt: iso(started) };
    this.records.set(faultId, record);
    const pending = this.executor.inject({ runId: this.runId, faultId, ...request }, signal);
    this.injecting.set(
      faultId,
      pending.catch(() => undefined),
    );
    try {
      const injected = await pending;
      record.status = 'active';
      record.injectedAt = iso(injected.injectedAt);
      record.injectMs = injected.injectedAt - started;
      record.output = injected.output;
      this.bus.emit({
        type: 'fault-injected',
        faultId,
        step: request.step,
        faultType: request.type,
        target: request.target,
        output: injected.output,
      });
      this.containment.watch(record);
      return injected;
    } catch (error) {
      record.status = 'inject-failed';
      record.error = errorMessage(error);
      if (error instanceof FaultInjectError && error.cleanup) {
        record.verification = error.cleanup.verification;
        record.revertedAt = iso(error.cleanup.revertedAt);
        record.verifiedAt = iso(error.cleanup.verifiedAt);
      }
      throw error;
    } finally {
      this.injecting.delete(faultId);
      // An abort may have come while we were injecting: the fault must not outlive it.
      if (this.closing && record.status === 'active') await this.revert(faultId);
    }
  }

  /** Resolves once the defenders contained every one of these faults (never, when one cannot be). */
  whenContained(faultIds: readonly string[]): Promise<void> {
    return this.containment.whenContained(faultIds);
  }

  /** Reverts one fault and records the verification; safe to call more than once. */
  revert(faultId: string): Promise<void> {
    const existing = this.reverts.get(faultId);
    if (existing) return existing;
    const record = this.records.get(faultId);
    if (!record || record.status !== 'active') return Promise.resolve();
    const pending = this.executor.revert({ runId: this.runId, faultId }).then(
      (reverted) => {
        record.status = reverted.verification.ok ? 'reverted' : 'revert-failed';
        record.revertedAt = iso(reverted.revertedAt);
        record.verifiedAt = iso(reverted.verifiedAt);
        record.verification = reverted.verification;
        this.bus.emit({ type: 'fault-reverted', faultId, step: record.step, verification: reverted.verification });
      },
      (error: unknown) => {
        record.status = 'revert-failed';
        record.error = `revert failed: ${errorMessage(error)}`;
        this.bus.emit({ type: 'fault-reverted', faultId, step: record.step, verification: { ok: false, detail: record.error } });
      },
    );
    this.reverts.set(faultId, pending);
    return pending;
  }

  /**
   * Reverts every fault of the run at once and refuses new ones. Faults still being injected
   * are reverted when their injection returns; this resolves once all of them are done.
   */
  async revertAll(reason = 'the run ended'): Promise<void> {
    const first = !this.closing;
    this.closing = true;
    this.containment.close();
    // Lets the executor stop injections still queued and revert in-flight ones at once.
    const ending = first && this.executor.endRun ? this.executor.endRun(this.runId, reason).catch(() => undefined) : undefined;
    const active = [...this.records.values()].filter((r) => r.status === 'active').map((r) => this.revert(r.faultId));
    const inFlight = [...this.injecting.entries()].map(async ([faultId, pending]) => {
      await pending;
      await this.revert(faultId);
    });
    await Promise.all([...active, ...inFlight, ending]);
    await Promise.all([...this.reverts.values()]);
  }

  /** Faults whose revert could not be verified: Firedrill may have left something behind. */
  unverified(): FaultRecord[] {
    return this.all.filter((r) => r.status === 'revert-failed' || (r.status === 'inject-failed' && r.verification?.ok === false));
  }
}
