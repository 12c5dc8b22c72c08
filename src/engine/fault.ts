import type { z } from 'zod';
import type { ProxyManager } from '../proxy/api.js';
import type { ResolvedTarget, TargetKind } from './target.js';

/**
 * A fault type: one file per type in src/faults, registered by name.
 *
 *   inject ──▶ active ──▶ revert ──▶ verify
 *
 * `inject` returns the state `revert` needs; the state must be plain JSON because it is kept
 * in the ledger. `revert` must also work with `state === undefined`: that is what happens when
 * the process died between writing the intent record and recording the state (crash recovery),
 * so everything a fault creates carries `ctx.tag` and can be found again from the intent alone.
 */
export interface FaultType<P = unknown, S extends FaultState = FaultState> {
  readonly name: string;
  /** One line for `--help`, docs and the JSON Schema. */
  readonly summary: string;
  readonly targetKind: TargetKind;
  readonly params: z.ZodType<P>;
  /**
   * False for faults that cannot be undone (a killed process stays dead): their revert restarts
   * what it can or does nothing, and verify reports what it checked.
   */
  readonly reversible: boolean;
  /**
   * True when the fault's effect lives only inside Firedrill's own processes (a toxic on an
   * agent's fault proxy): it cannot outlive them, so its intent record needs no fsync — a
   * crash of a process keeps the committed record (it reached the OS), a crash of the machine
   * ends the effect with the proxy. Saves the ~1–2 ms fsync between an API call and its toxic.
   */
  readonly volatile?: boolean;
  inject(ctx: FaultContext<P>): Promise<S>;
  revert(ctx: FaultContext<P>, state: S | undefined): Promise<void>;
  /** Checks the effect is gone (rule absent, process running again, file removed). */
  verify(ctx: FaultContext<P>, state: S | undefined): Promise<Verification>;
  /**
   * Optional, for what defenders are meant to contain (a security technique): whether it is
   * contained now — the port closed, the account locked, the file gone — found on the host,
   * never declared. `ok` true: contained; the detail says how.
   */
  contained?(ctx: FaultContext<P>, state: S | undefined): Promise<Verification>;
}

/** JSON data a fault returns from inject; also the step output later steps can reference. */
export type FaultState = Record<string, unknown>;

export interface FaultContext<P> {
  readonly runId: string;
  readonly faultId: string;
  /**
   * Marks every artefact (argv of a worker, file name) so an orphan sweep can find what no
   * live run owns: `fd-<runId>-<faultId>`.
   */
  readonly tag: string;
  readonly target: ResolvedTarget;
  readonly params: P;
  /** Where the fault may write files of its own (worker logs). */
  readonly workDir: string;
  /**
   * How long the fault is meant to stay active, when the step says. Faults whose artefacts
   * can bound their own life (stress workers) use it so that a crash of every Firedrill
   * process leaves them running for that long plus a margin, not for an arbitrary hour.
   */
  readonly durationMs?: number;
  /** Aborted when the run is aborted; inject should stop early and leave revertable state. */
  readonly signal: AbortSignal;
  /** The fault proxies of the agent running the fault (proxy and HTTP faults act on them). */
  readonly proxies?: ProxyManager;
}

export interface Verification {
  readonly ok: boolean;
  /** What was checked, in words: `pid 4242 is running (state S)`. */
  readonly detail: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the registry holds faults of every parameter type
export type AnyFaultType = FaultType<any, any>;

export function faultTag(runId: string, faultId: string): string {
  return `fd-${runId}-${faultId}`;
}

/**
 * How a process a fault starts (a stress worker) carries its tag: `--firedrill-tag=<tag>` in
 * its argv, where revert, the orphan sweep and process discovery can read it.
 */
export const TAG_FLAG = '--firedrill-tag=';

/**
 * Optional power of a fault type (like Toxiproxy's CleanupToxic): find the artefacts its faults
 * leave behind (workers, files), each carrying its fault's tag, and remove those that no open
 * ledger record owns. The agent sweeps at start, periodically and on `recover`.
 */
export interface SweepableFault {
  /** Removes orphaned artefacts; returns one description per artefact removed. */
  sweep(scope: SweepScope): Promise<string[]>;
}

export interface SweepScope {
  /**
   * True when the tag is one of this ledger's and no open record owns it. Ask it for each
   * artefact right before removing it, after finding it: an intent is written before its
   * artefacts exist, so a fault injected while the sweep runs is never taken for an orphan.
   * Tags the ledger never saw belong to another state directory and are not orphans.
   */
  isOrphan(tag: string): boolean;
  /** Distinct parameters of this type's faults the ledger has seen: where artefacts may be. */
  readonly seenParams: readonly Record<string, unknown>[];
  /** The agent's work directory, as its faults got it (`ctx.workDir`): what they kept there to revert. */
  readonly workDir?: string;
}

export function canSweep(type: AnyFaultType): type is AnyFaultType & SweepableFault {
  return typeof (type as Partial<SweepableFault>).sweep === 'function';
}
