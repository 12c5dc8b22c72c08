import { FiredrillError } from '../errors.js';
import type { FaultState, Verification } from './fault.js';
import type { ResolvedTarget } from './target.js';

/**
 * Where faults run. The engine does not care whether that is this process (LocalExecutor) or
 * an agent on another host: it asks for an injection and later for its revert.
 *
 * Contract: `inject` writes a durable intent record before touching anything. If it fails
 * after touching something, the executor reverts and verifies on its own before throwing a
 * FaultInjectError that carries that cleanup.
 */
export interface FaultExecutor {
  inject(request: FaultRequest, signal: AbortSignal): Promise<InjectedFault>;
  revert(fault: FaultRef): Promise<RevertedFault>;
  /**
   * Optional: the run is over or aborting. The executor refuses the run's further injections
   * and reverts every fault of it at once, including those still being injected, so an abort
   * does not wait for queued injections to finish. The engine still reverts each fault after.
   */
  endRun?(runId: string, reason: string): Promise<void>;
  /**
   * Optional: whether a fault of a kind defenders contain (a security technique) is contained
   * now, checked where it runs; null when its kind has no such check.
   */
  contained?(fault: FaultRef): Promise<Verification | null>;
  /** Releases resources (database handles, connections); never reverts anything by itself. */
  close(): Promise<void>;
}

/** A fault id is unique within its run only (`f1`, `f2`…): the pair names one fault. */
export interface FaultRef {
  readonly runId: string;
  readonly faultId: string;
}

export interface FaultRequest {
  readonly runId: string;
  readonly faultId: string;
  /** The method step that asked for it, for the ledger and orphan reports. */
  readonly step: string;
  readonly type: string;
  readonly target: ResolvedTarget;
  readonly params: Record<string, unknown>;
  /** How long the fault is meant to stay active; executors with leases use it for bounds. */
  readonly durationMs?: number;
}

export interface InjectedFault {
  readonly faultId: string;
  readonly injectedAt: number;
  readonly output: FaultState;
}

export interface RevertedFault {
  readonly faultId: string;
  readonly revertedAt: number;
  readonly verifiedAt: number;
  readonly verification: Verification;
}

/** Inject failed; `cleanup` says whether what it had already touched was reverted and verified. */
export class FaultInjectError extends FiredrillError {
  readonly cleanup: RevertedFault | undefined;

  constructor(message: string, cleanup: RevertedFault | undefined, options?: { cause?: unknown }) {
    super('FD_FAULT_INJECT', message, options);
    this.cleanup = cleanup;
  }
}
