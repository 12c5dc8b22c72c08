import type { ExpectationRecord } from './expectation.js';
import type { Experiment } from '../experiment/schema.js';
import type { Verification } from './fault.js';
import type { ProbeResult } from './probe.js';
import type { ResolvedTarget } from './target.js';

export type Phase = 'hypothesis-before' | 'method' | 'hypothesis-after' | 'rollbacks';

export type Verdict = 'passed' | 'deviated' | 'not-steady' | 'aborted' | 'failed';
export type ActivityStatus = 'succeeded' | 'failed' | 'deviated' | 'skipped' | 'aborted';

/** One entry per activity, the same shape in dry runs (STYLE.md #4). */
export interface JournalEntry {
  readonly activity: {
    readonly phase: Phase;
    readonly kind: 'probe' | 'action' | 'fault' | 'wait' | 'parallel';
    readonly name: string;
    /** Fault, probe or action type. */
    readonly type?: string;
    readonly target?: string;
  };
  readonly status: ActivityStatus;
  readonly output: unknown;
  readonly error?: string;
  readonly start: string;
  readonly end: string;
  readonly durationMs: number;
}

export interface FaultRecord {
  readonly faultId: string;
  readonly step: string;
  readonly type: string;
  readonly target: ResolvedTarget;
  readonly params: Record<string, unknown>;
  status: 'injecting' | 'active' | 'reverted' | 'revert-failed' | 'inject-failed';
  injectStartedAt?: string;
  injectedAt?: string;
  /** Time the inject call took. */
  injectMs?: number;
  revertedAt?: string;
  verifiedAt?: string;
  verification?: Verification;
  /** When the defenders contained it (a technique's check turned green while it was active), and how. */
  containedAt?: string;
  containment?: string;
  output?: Record<string, unknown>;
  error?: string;
}

export interface HypothesisCheck {
  readonly phase: Phase;
  readonly at: string;
  readonly met: boolean;
  readonly results: readonly ProbeResult[];
}

export interface DuringProbeSummary {
  checks: number;
  failures: number;
  firstFailure?: { at: string; detail: string };
  last?: ProbeResult;
}

export interface DuringSummary {
  readonly interval: number;
  checks: number;
  failedChecks: number;
  readonly probes: Record<string, DuringProbeSummary>;
}

export interface GuardrailRecord {
  readonly name: string;
  readonly condition: string;
  samples: number;
  tripped: boolean;
  trippedAt?: string;
  measured?: number | null;
  last?: Record<string, unknown>;
}

export interface AbortRecord {
  readonly reason: string;
  /** When the breach (or the signal, or the halt) was observed. */
  readonly observedAt: string;
  /** When the last fault of the run was reverted and verified, and the abort latency. */
  revertedAt?: string;
  latencyMs?: number;
}

export interface Journal {
  readonly version: 1;
  readonly runId: string;
  readonly experiment: {
    readonly file: string;
    readonly title: string;
    readonly description?: string;
    readonly tags: readonly string[];
    readonly resolved: Experiment;
  };
  readonly variables: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly durationMs: number;
  readonly targets: Readonly<Record<string, readonly ResolvedTarget[]>>;
  readonly hypothesis: { readonly before?: HypothesisCheck; readonly during?: DuringSummary; readonly after?: HypothesisCheck };
  readonly activities: readonly JournalEntry[];
  readonly faults: readonly FaultRecord[];
  readonly guardrails: readonly GuardrailRecord[];
  /** What had to happen by when (absent when the experiment expects nothing). */
  readonly expectations?: readonly ExpectationRecord[];
  readonly abort?: AbortRecord;
  readonly verdict: Verdict;
  readonly reason: string;
  /** Every deviation and failure found, the verdict's reason first. */
  readonly findings: readonly string[];
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
