import type { Experiment } from '../experiment/schema.js';
import { errorMessage } from '../errors.js';
import { seededRandom } from '../util/random.js';
import { createRedactor } from '../util/redact.js';
import { selectTargets } from './blast-radius.js';
import { EventBus } from './events.js';
import type { AnyExpectationMatcher, ExpectationFeeds } from './expectation.js';
import { ExpectationWatch } from './expectations.js';
import type { RunObserver } from './events.js';
import type { FaultExecutor } from './executor.js';
import { FaultTracker } from './fault-tracker.js';
import { GuardrailWatch } from './guardrails.js';
import { SteadyState } from './hypothesis.js';
import type { DuringWatch } from './hypothesis.js';
import { iso } from './journal.js';
import type { HypothesisCheck, Journal, JournalEntry } from './journal.js';
import { MethodRunner } from './method.js';
import type { AnyProbeType } from './probe.js';
import { runRollbacks } from './rollbacks.js';
import { RunAbort } from './run-abort.js';
import type { ResolvedTarget, TargetDiscovery } from './target.js';
import { decideVerdict } from './verdict.js';

export interface RunDependencies {
  readonly executor: FaultExecutor;
  readonly probes: ReadonlyMap<string, AnyProbeType>;
  readonly discovery: TargetDiscovery;
  readonly observers: readonly RunObserver[];
  /** The matchers of the experiment's expectations and where they hear alerts and declarations. */
  readonly expectations?: { readonly matchers: ReadonlyMap<string, AnyExpectationMatcher>; readonly feeds: ExpectationFeeds };
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
  const run = new ExperimentRun(experiment, deps, options);
  try {
    await run.resolveTargets();
    if (run.findings.failures.length === 0) await run.checkBefore();
    if (run.mayRunMethod()) {
      await run.runMethod();
      await run.checkAfter();
      await run.awaitExpectations();
    }
  } catch (error) {
    run.findings.failures.push(`internal error: ${errorMessage(error)}`);
  } finally {
    // Whatever happened above, no fault outlives the run.
    await run.revertEverything();
  }
  await run.runRollbacks();
  return run.finish();
}

/** One run's state, shared by its phases; each phase is one method, in the order they run. */
class ExperimentRun {
  readonly startedAt = Date.now();
  readonly findings = { failures: [] as string[], deviations: [] as string[], notSteady: undefined as string | undefined };
  private readonly redact;
  private readonly bus: EventBus;
  private readonly faults: FaultTracker;
  private readonly abort: RunAbort;
  private readonly dryRun: boolean;
  private readonly steadyState: SteadyState | undefined;
  private readonly entries: JournalEntry[] = [];
  private readonly targets: Record<string, ResolvedTarget[]> = {};
  private readonly hypothesis: { before?: HypothesisCheck; after?: HypothesisCheck; during?: DuringWatch } = {};
  private watches: GuardrailWatch[] = [];
  private readonly expectations: ExpectationWatch | undefined;

  constructor(
    private readonly experiment: Experiment,
    private readonly deps: RunDependencies,
    private readonly options: RunOptions,
  ) {
    this.redact = createRedactor(options.secrets ?? []);
    const onObserverError =
      deps.onObserverError ??
      ((name: string, error: unknown) => process.stderr.write(`firedrill: observer ${name} failed: ${errorMessage(error)}\n`));
    const dryRun = options.dryRun ?? experiment.runtime.dryRun;
    // Expectations' clocks start with the run, or at the first fault injected (seen on the bus).
    const clocks: RunObserver = {
      name: 'expectations',
      onEvent: (event) => void (event.type === 'fault-injected' && this.expectations?.start('injection')),
    };
    this.bus = new EventBus(options.runId, [clocks, ...deps.observers], this.redact, onObserverError);
    this.expectations =
      experiment.expectations.length > 0 && !dryRun
        ? new ExpectationWatch(experiment.expectations, deps.expectations?.matchers ?? new Map(), deps.expectations?.feeds ?? {}, this.bus)
        : undefined;
    this.faults = new FaultTracker(options.runId, deps.executor, this.bus);
    this.abort = new RunAbort(this.bus, this.faults, options.signal, experiment.runtime.maxDuration);
    this.dryRun = dryRun;
    const record = (entry: JournalEntry) => this.entries.push(entry);
    this.steadyState = experiment.hypothesis ? new SteadyState(experiment.hypothesis, deps.probes, this.bus, record) : undefined;
    this.bus.emit({ type: 'run-started', title: experiment.title, dryRun: this.dryRun, seed: options.seed });
    this.expectations?.start('start');
  }

  async resolveTargets(): Promise<void> {
    const random = seededRandom(this.options.seed);
    for (const [name, set] of Object.entries(this.experiment.targets)) {
      const selected = selectTargets(await this.deps.discovery.discover(name, set), set, random);
      if (selected.length === 0 && set.ifEmpty === 'fail')
        this.findings.failures.push(`target set ${name} matched nothing (ifEmpty: fail)`);
      // Defined, not assigned: a set named `__proto__` must stay a key, never become the prototype.
      Object.defineProperty(this.targets, name, { value: selected, enumerable: true, writable: true, configurable: true });
    }
    this.bus.emit({ type: 'targets-resolved', targets: this.targets });
  }

  async checkBefore(): Promise<void> {
    if (!this.steadyState || this.dryRun) return;
    this.bus.emit({ type: 'phase-started', phase: 'hypothesis-before' });
    const before = await this.steadyState.check('hypothesis-before', this.abort.signal);
    this.hypothesis.before = before;
    if (!before.met && !this.abort.signal.aborted) this.findings.notSteady = `not steady before the method: ${unmet(before)}`;
  }

  mayRunMethod(): boolean {
    return this.findings.failures.length === 0 && !this.findings.notSteady && !this.abort.signal.aborted;
  }

  /** The method under guardrails and the during-hypothesis; every fault reverted at its end. */
  async runMethod(): Promise<void> {
    const { experiment, deps, bus, dryRun } = this;
    bus.emit({ type: 'phase-started', phase: 'method' });
    if (!dryRun)
      this.watches = experiment.guardrails.map(
        (g, i) => new GuardrailWatch(g, g.name ?? `guardrail-${i + 1}`, deps.probes, bus, this.abort.abort),
      );
    if (this.steadyState && experiment.hypothesis?.during && !dryRun) this.hypothesis.during = this.steadyState.watch(this.abort.signal);
    const method = new MethodRunner(
      {
        bus,
        faults: this.faults,
        probes: deps.probes,
        targets: this.targets,
        dryRun,
        record: (entry) => this.entries.push(entry),
        deviated: (message) => this.findings.deviations.push(message),
        failed: (message) => this.findings.failures.push(message),
      },
      this.abort.signal,
    );
    await method.run(experiment.method);
    const during = this.hypothesis.during;
    if (during) {
      const summary = await during.stop();
      bus.emit({
        type: 'hypothesis-during-summary',
        checks: summary.checks,
        failedChecks: summary.failedChecks,
        interval: summary.interval,
      });
      if (!this.abort.signal.aborted) this.findings.deviations.push(...during.deviations());
    }
    await this.faults.revertAll('the method ended');
    await Promise.all(this.watches.map((watch) => watch.stop()));
  }

  async checkAfter(): Promise<void> {
    if (!this.steadyState || this.dryRun || this.abort.signal.aborted) return;
    this.bus.emit({ type: 'phase-started', phase: 'hypothesis-after' });
    const after = await this.steadyState.check('hypothesis-after', this.abort.signal);
    this.hypothesis.after = after;
    if (!after.met) this.findings.deviations.push(`hypothesis after the method: ${unmet(after)}`);
  }

  /** Gives each expectation not yet settled until its deadline (a halt stops the wait); missed and late ones are deviations. */
  async awaitExpectations(): Promise<void> {
    if (!this.expectations) return;
    await this.expectations.settle(this.abort.signal);
    if (!this.abort.signal.aborted) this.findings.deviations.push(...this.expectations.findings());
  }

  /** Safe to call after any phase, and more than once. A revert not verified fails the run. */
  async revertEverything(): Promise<void> {
    await this.faults.revertAll();
    await this.expectations?.stop();
    await this.abort.settle();
    await this.hypothesis.during?.stop();
    await Promise.all(this.watches.map((watch) => watch.stop()));
    for (const record of this.faults.unverified()) {
      const why = record.verification?.detail ?? record.error ?? 'revert not verified';
      this.findings.failures.push(`fault ${record.faultId} (${record.type} on ${record.step}) may be left behind: ${why}`);
    }
  }

  async runRollbacks(): Promise<void> {
    if (this.experiment.rollbacks.length === 0) return;
    this.bus.emit({ type: 'phase-started', phase: 'rollbacks' });
    const options = { timeoutMs: this.experiment.runtime.rollbackTimeout, dryRun: this.dryRun };
    const record = (entry: JournalEntry) => this.entries.push(entry);
    this.findings.failures.push(...(await runRollbacks(this.experiment.rollbacks, this.deps.probes, options, this.bus, record)));
  }

  finish(): Journal {
    const { experiment, hypothesis, options } = this;
    const abort = this.abort.record;
    const decision = decideVerdict({
      ...this.findings,
      abortReason: abort?.reason,
      dryRun: this.dryRun,
      hasHypothesis: Boolean(this.steadyState),
      checkedDuring: Boolean(hypothesis.during),
    });
    const endedAt = Date.now();
    const journal: Journal = this.redact({
      version: 1,
      runId: options.runId,
      experiment: {
        file: options.file,
        title: experiment.title,
        ...(experiment.description ? { description: experiment.description } : {}),
        tags: experiment.tags,
        resolved: experiment,
      },
      variables: Object.fromEntries(options.variables ?? []),
      seed: options.seed,
      dryRun: this.dryRun,
      startedAt: iso(this.startedAt),
      endedAt: iso(endedAt),
      durationMs: endedAt - this.startedAt,
      targets: this.targets,
      hypothesis: {
        ...(hypothesis.before ? { before: hypothesis.before } : {}),
        ...(hypothesis.during ? { during: hypothesis.during.summary } : {}),
        ...(hypothesis.after ? { after: hypothesis.after } : {}),
      },
      activities: this.entries,
      faults: this.faults.all,
      guardrails: this.watches.map((watch) => watch.record),
      ...(this.expectations ? { expectations: this.expectations.records() } : {}),
      ...(abort ? { abort } : {}),
      verdict: decision.verdict,
      reason: decision.reason,
      findings: decision.all,
    });
    this.bus.emit({ type: 'run-ended', verdict: decision.verdict, reason: decision.reason });
    return journal;
  }
}

function unmet(check: HypothesisCheck): string {
  return check.results
    .filter((result) => !result.met)
    .map((result) => `${result.name}: ${result.detail}`)
    .join('; ');
}
