import type { Experiment } from '../experiment/schema.js';
import { errorMessage } from '../errors.js';
import { formatDuration } from '../util/duration.js';
import { seededRandom } from '../util/random.js';
import { createRedactor } from '../util/redact.js';
import { selectTargets } from './blast-radius.js';
import { EventBus } from './events.js';
import type { RunObserver } from './events.js';
import type { FaultExecutor } from './executor.js';
import { FaultTracker } from './fault-tracker.js';
import { GuardrailWatch } from './guardrails.js';
import { SteadyState } from './hypothesis.js';
import type { DuringWatch } from './hypothesis.js';
import { iso } from './journal.js';
import type { AbortRecord, GuardrailRecord, HypothesisCheck, Journal, JournalEntry } from './journal.js';
import { MethodRunner } from './method.js';
import type { AnyProbeType } from './probe.js';
import { runRollbacks } from './rollbacks.js';
import type { ResolvedTarget } from './target.js';
import type { TargetSet } from '../experiment/schema.js';
import { decideVerdict } from './verdict.js';

/** Finds candidate targets for a target set; src/targets implements it (inventory, /proc). */
export interface TargetDiscovery {
  discover(name: string, set: TargetSet): Promise<ResolvedTarget[]>;
}

export interface RunDependencies {
  readonly executor: FaultExecutor;
  readonly probes: ReadonlyMap<string, AnyProbeType>;
  readonly discovery: TargetDiscovery;
  readonly observers: readonly RunObserver[];
  /** Where a throwing observer is reported; it is skipped, the run goes on. */
  readonly onObserverError?: (observer: string, error: unknown) => void;
}

export interface RunOptions {
  readonly runId: string;
  readonly file: string;
  readonly seed: number;
  readonly dryRun?: boolean;
  /**
   * Aborting it (SIGINT, SIGTERM, halt) aborts the run: every fault reverted at once. The
   * reason's message becomes the verdict's reason.
   */
  readonly signal?: AbortSignal;
  readonly secrets?: readonly string[];
  readonly variables?: ReadonlyMap<string, unknown>;
}

/**
 * Runs one experiment:
 *
 *   resolve targets ─▶ hypothesis before ─┬─▶ method (guardrails + hypothesis during) ─▶ revert all
 *                       (not steady: stop)│                                                │
 *                                         └────────────── hypothesis after ◀───────────────┘
 *                                                                 ▼
 *                                                   rollbacks (always) ─▶ verdict
 *
 * An abort (guardrail, signal, maxDuration) reverts every fault of the run at once, without
 * waiting for the current step, then skips to the rollbacks.
 */
export async function runExperiment(experiment: Experiment, deps: RunDependencies, options: RunOptions): Promise<Journal> {
  const startedAt = Date.now();
  const redact = createRedactor(options.secrets ?? []);
  const onObserverError = deps.onObserverError ?? ((name: string, error: unknown) => process.stderr.write(`firedrill: observer ${name} failed: ${errorMessage(error)}\n`));
  const bus = new EventBus(options.runId, deps.observers, redact, onObserverError);
  const faults = new FaultTracker(options.runId, deps.executor, bus);
  const dryRun = options.dryRun ?? experiment.runtime.dryRun;
  const entries: JournalEntry[] = [];
  const findings = { failures: [] as string[], deviations: [] as string[], notSteady: undefined as string | undefined };
  const controller = new AbortController();
  let abort: AbortRecord | undefined;
  let abortReverted: Promise<void> = Promise.resolve();

  const abortRun = (reason: string) => {
    if (abort) return;
    const at = Date.now();
    abort = { reason, observedAt: iso(at) };
    bus.emit({ type: 'run-aborting', reason });
    controller.abort(new Error(reason));
    abortReverted = faults.revertAll(`aborted: ${reason}`).then(() => {
      const done = Date.now();
      const record = abort as AbortRecord;
      record.revertedAt = iso(done);
      record.latencyMs = done - at;
      bus.emit({ type: 'faults-reverted-after-abort', count: faults.all.length, latencyMs: done - at });
    });
  };
  // The caller says why in the abort reason: "interrupted by SIGINT", "halted: …".
  const onExternalAbort = () => abortRun(errorMessage(options.signal?.reason ?? 'interrupted'));
  if (options.signal?.aborted) onExternalAbort();
  options.signal?.addEventListener('abort', onExternalAbort, { once: true });
  const maxTimer = setTimeout(() => abortRun(`maxDuration ${formatDuration(experiment.runtime.maxDuration)} exceeded`), experiment.runtime.maxDuration);

  bus.emit({ type: 'run-started', title: experiment.title, dryRun, seed: options.seed });
  const targets: Record<string, ResolvedTarget[]> = {};
  const hypothesis: { before?: HypothesisCheck; after?: HypothesisCheck; during?: DuringWatch } = {};
  let watches: GuardrailWatch[] = [];
  const steadyState = experiment.hypothesis ? new SteadyState(experiment.hypothesis, deps.probes, bus, (e) => entries.push(e)) : undefined;

  try {
    const random = seededRandom(options.seed);
    for (const [name, set] of Object.entries(experiment.targets)) {
      const selected = selectTargets(await deps.discovery.discover(name, set), set, random);
      if (selected.length === 0 && set.ifEmpty === 'fail') findings.failures.push(`target set ${name} matched nothing (ifEmpty: fail)`);
      targets[name] = selected;
    }
    bus.emit({ type: 'targets-resolved', targets });

    if (findings.failures.length === 0) {
      if (steadyState && !dryRun) {
        bus.emit({ type: 'phase-started', phase: 'hypothesis-before' });
        hypothesis.before = await steadyState.check('hypothesis-before', controller.signal);
        if (!hypothesis.before.met && !controller.signal.aborted) {
          findings.notSteady = `not steady before the method: ${hypothesis.before.results.filter((r) => !r.met).map((r) => `${r.name}: ${r.detail}`).join('; ')}`;
        }
      }
      if (!findings.notSteady && !controller.signal.aborted) {
        bus.emit({ type: 'phase-started', phase: 'method' });
        watches = dryRun ? [] : experiment.guardrails.map((g, i) => new GuardrailWatch(g, g.name ?? `guardrail-${i + 1}`, deps.probes, bus, abortRun));
        if (steadyState && experiment.hypothesis?.during && !dryRun) hypothesis.during = steadyState.watch(controller.signal);
        const method = new MethodRunner(
          {
            bus,
            faults,
            probes: deps.probes,
            targets,
            dryRun,
            record: (e) => entries.push(e),
            deviated: (m) => findings.deviations.push(m),
            failed: (m) => findings.failures.push(m),
          },
          controller.signal,
        );
        await method.run(experiment.method);
        if (hypothesis.during) {
          const summary = await hypothesis.during.stop();
          bus.emit({ type: 'hypothesis-during-summary', checks: summary.checks, failedChecks: summary.failedChecks, interval: summary.interval });
          if (!controller.signal.aborted) findings.deviations.push(...hypothesis.during.deviations());
        }
        await faults.revertAll('the method ended');
        await Promise.all(watches.map((watch) => watch.stop()));
        if (steadyState && !dryRun && !controller.signal.aborted) {
          bus.emit({ type: 'phase-started', phase: 'hypothesis-after' });
          hypothesis.after = await steadyState.check('hypothesis-after', controller.signal);
          if (!hypothesis.after.met) {
            findings.deviations.push(`hypothesis after the method: ${hypothesis.after.results.filter((r) => !r.met).map((r) => `${r.name}: ${r.detail}`).join('; ')}`);
          }
        }
      }
    }
  } catch (error) {
    findings.failures.push(`internal error: ${errorMessage(error)}`);
  } finally {
    // Whatever happened above, no fault outlives the run.
    await faults.revertAll();
    await abortReverted;
    await hypothesis.during?.stop();
    await Promise.all(watches.map((watch) => watch.stop()));
    clearTimeout(maxTimer);
    options.signal?.removeEventListener('abort', onExternalAbort);
  }
  for (const record of faults.unverified()) {
    findings.failures.push(`fault ${record.faultId} (${record.type} on ${record.step}) may be left behind: ${record.verification?.detail ?? record.error ?? 'revert not verified'}`);
  }

  if (experiment.rollbacks.length > 0) {
    bus.emit({ type: 'phase-started', phase: 'rollbacks' });
    const rollbackOptions = { timeoutMs: experiment.runtime.rollbackTimeout, dryRun };
    findings.failures.push(...(await runRollbacks(experiment.rollbacks, deps.probes, rollbackOptions, bus, (e) => entries.push(e))));
  }

  const { verdict, reason, all } = decideVerdict({ ...findings, abortReason: abort?.reason, dryRun, hasHypothesis: Boolean(steadyState), checkedDuring: Boolean(hypothesis.during) });
  const endedAt = Date.now();
  const journal: Journal = redact({
    version: 1,
    runId: options.runId,
    experiment: { file: options.file, title: experiment.title, ...(experiment.description ? { description: experiment.description } : {}), tags: experiment.tags, resolved: experiment },
    variables: Object.fromEntries(options.variables ?? []),
    seed: options.seed,
    dryRun,
    startedAt: iso(startedAt),
    endedAt: iso(endedAt),
    durationMs: endedAt - startedAt,
    targets,
    hypothesis: {
      ...(hypothesis.before ? { before: hypothesis.before } : {}),
      ...(hypothesis.during ? { during: hypothesis.during.summary } : {}),
      ...(hypothesis.after ? { after: hypothesis.after } : {}),
    },
    activities: entries,
    faults: faults.all,
    guardrails: watches.map((watch): GuardrailRecord => watch.record),
    ...(abort ? { abort } : {}),
    verdict,
    reason,
    findings: all,
  });
  bus.emit({ type: 'run-ended', verdict, reason });
  return journal;
}
