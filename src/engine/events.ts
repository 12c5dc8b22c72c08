import type { ExpectationRecord } from './expectation.js';
import type { Verification } from './fault.js';
import type { ProbeOutput, ProbeResult } from './probe.js';
import type { ResolvedTarget } from './target.js';
import type { Journal, JournalEntry, Phase, Verdict } from './journal.js';

/**
 * Everything a run does, in order. Observers (terminal, events.jsonl, store, live stream) see
 * the same stream; secrets are already redacted when it reaches them.
 */
export type RunEventBody =
  | { type: 'run-started'; title: string; dryRun: boolean; seed: number }
  | { type: 'targets-resolved'; targets: Readonly<Record<string, readonly ResolvedTarget[]>> }
  | { type: 'phase-started'; phase: Phase }
  | { type: 'activity-started'; phase: Phase; kind: JournalEntry['activity']['kind']; name: string; detail?: string }
  | { type: 'activity-ended'; entry: JournalEntry }
  | { type: 'fault-injected'; faultId: string; step: string; faultType: string; target: ResolvedTarget; output: Record<string, unknown> }
  | { type: 'fault-contained'; faultId: string; step: string; faultType: string; detail: string }
  | { type: 'fault-reverted'; faultId: string; step: string; verification: Verification }
  | { type: 'hypothesis-checked'; phase: Phase; met: boolean; results: readonly ProbeResult[] }
  | { type: 'monitor-reading'; name: string; reading: ProbeOutput }
  | { type: 'hypothesis-during-summary'; checks: number; failedChecks: number; interval: number }
  | { type: 'guardrail-tripped'; name: string; condition: string; measured: number | null }
  | { type: 'expectation-settled'; expectation: ExpectationRecord }
  | { type: 'run-aborting'; reason: string }
  | { type: 'faults-reverted-after-abort'; count: number; latencyMs: number }
  | { type: 'run-ended'; verdict: Verdict; reason: string; journal?: string };

export type RunEvent = RunEventBody & { readonly runId: string; readonly seq: number; readonly at: string };

export interface RunObserver {
  readonly name: string;
  onEvent(event: RunEvent): void | Promise<void>;
}

/**
 * Delivers events to observers. An observer that throws (or rejects) misses that event and is
 * reported through `onObserverError` the first time only: observers cannot break a run.
 */
export class EventBus {
  private seq = 0;
  private readonly failed = new Set<string>();

  constructor(
    private readonly runId: string,
    private readonly observers: readonly RunObserver[],
    private readonly redact: <T>(value: T) => T,
    private readonly onObserverError: (observer: string, error: unknown) => void,
  ) {}

  emit(body: RunEventBody): RunEvent {
    const event = this.redact({ ...body, runId: this.runId, seq: ++this.seq, at: new Date().toISOString() }) as RunEvent;
    for (const observer of this.observers) {
      try {
        const pending = observer.onEvent(event);
        if (pending) pending.catch((error: unknown) => this.report(observer.name, error));
      } catch (error) {
        this.report(observer.name, error);
      }
    }
    return event;
  }

  private report(observer: string, error: unknown): void {
    if (this.failed.has(observer)) return;
    this.failed.add(observer);
    this.onObserverError(observer, error);
  }
}

/** A run as recorded: its events in order, and its journal once it ended. */
export interface StoredRun {
  /** Where its files are kept. */
  readonly dir: string;
  readonly runId: string;
  readonly journal?: Journal;
  readonly events: RunEvent[];
}
