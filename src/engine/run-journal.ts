import type { Experiment } from '../experiment/schema.js';
import type { DuringWatch } from './hypothesis.js';
import { iso } from './journal.js';
import type { AbortRecord, FaultRecord, GuardrailRecord, HypothesisCheck, Journal, JournalEntry, Verdict } from './journal.js';
import type { ResolvedTarget } from './target.js';

/** Everything a run gathered, as its phases left it. */
export interface RunRecord {
  readonly experiment: Experiment;
  readonly runId: string;
  readonly file: string;
  readonly seed: number;
  readonly dryRun: boolean;
  readonly variables?: ReadonlyMap<string, unknown>;
  readonly startedAt: number;
  readonly targets: Readonly<Record<string, readonly ResolvedTarget[]>>;
  readonly hypothesis: { readonly before?: HypothesisCheck; readonly after?: HypothesisCheck; readonly during?: DuringWatch };
  readonly entries: readonly JournalEntry[];
  readonly faults: readonly FaultRecord[];
  readonly guardrails: readonly GuardrailRecord[];
  readonly abort: AbortRecord | undefined;
}

export interface Decision {
  readonly verdict: Verdict;
  readonly reason: string;
  readonly all: readonly string[];
}

/** The journal of a finished run (redact it before it leaves the engine). */
export function assembleJournal(run: RunRecord, decision: Decision, endedAt = Date.now()): Journal {
  const { experiment, hypothesis } = run;
  return {
    version: 1,
    runId: run.runId,
    experiment: {
      file: run.file,
      title: experiment.title,
      ...(experiment.description ? { description: experiment.description } : {}),
      tags: experiment.tags,
      resolved: experiment,
    },
    variables: Object.fromEntries(run.variables ?? []),
    seed: run.seed,
    dryRun: run.dryRun,
    startedAt: iso(run.startedAt),
    endedAt: iso(endedAt),
    durationMs: endedAt - run.startedAt,
    targets: run.targets,
    hypothesis: {
      ...(hypothesis.before ? { before: hypothesis.before } : {}),
      ...(hypothesis.during ? { during: hypothesis.during.summary } : {}),
      ...(hypothesis.after ? { after: hypothesis.after } : {}),
    },
    activities: [...run.entries],
    faults: run.faults,
    guardrails: run.guardrails,
    ...(run.abort ? { abort: run.abort } : {}),
    verdict: decision.verdict,
    reason: decision.reason,
    findings: [...decision.all],
  };
}
