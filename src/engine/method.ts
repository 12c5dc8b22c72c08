import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../errors.js';
import type { ActionActivity, FaultStep, ProbeActivity, ProbeStep, SingleStep, Step } from '../experiment/schema.js';
import { formatDuration } from '../util/duration.js';
import { lookupProbe, PreparedProbe } from './activities.js';
import type { EventBus } from './events.js';
import type { ProbeResult } from './probe.js';
import type { FaultTracker } from './fault-tracker.js';
import { iso } from './journal.js';
import type { ActivityStatus, JournalEntry } from './journal.js';
import type { AnyProbeType } from './probe.js';
import { mergeOutputs, resolveReferences } from './references.js';
import type { ResolvedTarget } from './target.js';

const LOCAL_HOST: ResolvedTarget = { kind: 'host', name: 'local' };

export interface MethodContext {
  readonly bus: EventBus;
  readonly faults: FaultTracker;
  readonly probes: ReadonlyMap<string, AnyProbeType>;
  readonly targets: Readonly<Record<string, readonly ResolvedTarget[]>>;
  readonly dryRun: boolean;
  record(entry: JournalEntry): void;
  /** A probe step whose tolerance was not met: the system deviated. */
  deviated(message: string): void;
  /** A step that could not do its job and did not allow it. */
  failed(message: string): void;
}

interface Outcome {
  readonly status: ActivityStatus;
  readonly output?: unknown;
  readonly error?: string;
}

/**
 * Runs the method's steps in order (a `parallel` group's steps together). A failing step stops
 * the method unless it says `continueOnError`; an abort stops it at once — waits end early,
 * and what is left is recorded as skipped.
 */
export class MethodRunner {
  private readonly outputs = new Map<string, Readonly<Record<string, unknown>>>();
  private readonly stopped = new AbortController();

  constructor(
    private readonly ctx: MethodContext,
    runSignal: AbortSignal,
  ) {
    this.signal = AbortSignal.any([runSignal, this.stopped.signal]);
    // A fault step over many targets hands this signal to one request per target.
    setMaxListeners(0, this.signal);
  }

  private readonly signal: AbortSignal;

  get stepOutputs(): ReadonlyMap<string, Readonly<Record<string, unknown>>> {
    return this.outputs;
  }

  async run(steps: readonly Step[]): Promise<void> {
    for (const [index, step] of steps.entries()) {
      if (this.signal.aborted) {
        this.skip(step, index, this.stopped.signal.aborted ? 'an earlier step failed' : 'the run was aborted');
        continue;
      }
      if ('parallel' in step) {
        const label = step.name ?? `parallel-${index + 1}`;
        await this.timed({ kind: 'parallel', name: label }, async () => {
          const statuses = await Promise.all(step.parallel.map((child, i) => this.runStep(child, `${label}.${i + 1}`)));
          return {
            status: statuses.every((s) => s === 'succeeded' || s === 'skipped')
              ? 'succeeded'
              : statuses.includes('failed')
                ? 'failed'
                : 'deviated',
          };
        });
      } else {
        await this.runStep(step, `step-${index + 1}`);
      }
    }
  }

  private async runStep(step: SingleStep, fallbackName: string): Promise<ActivityStatus> {
    const name = step.name ?? fallbackName;
    if ('wait' in step) {
      return this.timed({ kind: 'wait', name, detail: formatDuration(step.wait) }, async () => {
        if (!this.ctx.dryRun) await sleep(step.wait, undefined, { signal: this.signal });
        return { status: this.ctx.dryRun ? 'skipped' : 'succeeded', output: { waitedMs: step.wait } };
      });
    }
    if ('fault' in step) return this.runFault(step, name);
    if ('probe' in step) return this.runProbe(step, name);
    return this.runAction(step, name);
  }

  private runFault(step: FaultStep, name: string): Promise<ActivityStatus> {
    const detail = `${step.fault} on ${step.target ?? 'the local host'}${step.duration !== undefined ? ` for ${formatDuration(step.duration)}` : ''}`;
    return this.timed({ kind: 'fault', name, type: step.fault, target: step.target, detail }, async () => {
      const targets = this.targetsOf(step);
      if (targets.length === 0)
        return { status: 'skipped', output: { reason: `target set ${step.target ?? ''} is empty (ifEmpty: skip)` } };
      if (this.ctx.dryRun) return { status: 'skipped', output: { dryRun: true, targets } };
      const params = resolveReferences(step.params, this.outputs) as Record<string, unknown>;
      const settled = await Promise.allSettled(
        targets.map((target) =>
          this.ctx.faults.inject(
            { step: name, type: step.fault, target, params, ...(step.duration !== undefined ? { durationMs: step.duration } : {}) },
            this.signal,
          ),
        ),
      );
      const injected = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      const errors = settled.flatMap((s) => (s.status === 'rejected' ? [errorMessage(s.reason)] : []));
      const output = { ...mergeOutputs(injected.map((fault) => fault.output)), faultIds: injected.map((fault) => fault.faultId) };
      this.outputs.set(name, output);
      if (errors.length > 0)
        return this.failure(step, `${step.fault} failed on ${errors.length} of ${targets.length} targets: ${errors.join('; ')}`, output);
      if (step.duration !== undefined) {
        if (await this.holdUnlessContained(step.duration, output.faultIds)) Object.assign(output, { containedEarly: true });
        await Promise.all(injected.map((fault) => this.ctx.faults.revert(fault.faultId)));
        const unverified = this.ctx.faults.all.filter((r) => output.faultIds.includes(r.faultId) && r.status === 'revert-failed');
        if (unverified.length > 0)
          return {
            status: 'failed',
            output,
            error: `revert not verified: ${unverified.map((r) => r.verification?.detail ?? r.error).join('; ')}`,
          };
      }
      return { status: 'succeeded', output };
    });
  }

  /**
   * Holds the step's faults for their duration, or until the defenders contained all of them
   * (a technique: holding it then measures nothing more; the revert verifies what they left).
   * True when containment ended it early.
   */
  private async holdUnlessContained(durationMs: number, faultIds: readonly string[]): Promise<boolean> {
    const contained = new AbortController();
    void this.ctx.faults.whenContained(faultIds).then(() => contained.abort());
    try {
      await sleep(durationMs, undefined, { signal: AbortSignal.any([this.signal, contained.signal]) });
      return false;
    } catch (error) {
      if (this.signal.aborted || !contained.signal.aborted) throw error;
      return true;
    } finally {
      contained.abort();
    }
  }

  /**
   * The resolved targets of a fault step. Own keys only: the loader refuses unknown target sets,
   * and a set named `constructor` or `toString` must never be read from Object's prototype.
   */
  private targetsOf(step: FaultStep): readonly ResolvedTarget[] {
    if (step.target === undefined) return [LOCAL_HOST];
    if (!Object.hasOwn(this.ctx.targets, step.target)) throw new Error(`unknown target set "${step.target}"`);
    return this.ctx.targets[step.target] ?? [];
  }

  /** A probe that is not met means the system deviated; the method goes on. */
  private runProbe(step: ProbeStep, name: string): Promise<ActivityStatus> {
    return this.timed({ kind: 'probe', name, type: step.probe }, async () => {
      const result =
        step.until === undefined ? await this.observe(name, step.probe, step) : await this.observeUntil(name, step, step.until);
      if (!result || result.met) return { status: result ? 'succeeded' : 'skipped', output: result ?? { dryRun: true } };
      if (this.signal.aborted) return { status: 'aborted', output: result, error: result.error };
      this.ctx.deviated(`probe step ${name} not met: ${result.detail}`);
      return { status: 'deviated', output: result, error: result.error };
    });
  }

  /** An action that is not met is a failed step. */
  private runAction(step: ActionActivity, name: string): Promise<ActivityStatus> {
    return this.timed({ kind: 'action', name, type: step.action }, async () => {
      const result = await this.observe(name, step.action, step);
      if (!result || result.met) return { status: result ? 'succeeded' : 'skipped', output: result ?? { dryRun: true } };
      return this.failure(step, `action ${name} failed: ${result.detail}`, result);
    });
  }

  /**
   * Probes again every `every` until the tolerance is met or `until` has passed: the result
   * says how many attempts it took and how long it waited (a measured recovery time).
   */
  private async observeUntil(name: string, step: ProbeStep, until: number): Promise<ProbeResult | undefined> {
    const started = Date.now();
    for (let attempts = 1; ; attempts++) {
      const result = await this.observe(name, step.probe, step);
      if (!result) return undefined;
      const waitedMs = Date.now() - started;
      const output = { ...result.output, attempts, waitedMs };
      if (result.met || this.signal.aborted || waitedMs + step.every > until) {
        this.outputs.set(name, output);
        return {
          ...result,
          output,
          detail: `${result.detail} (after ${attempts} attempt${attempts === 1 ? '' : 's'}, ${formatDuration(waitedMs)})`,
        };
      }
      await sleep(step.every, undefined, { signal: this.signal });
    }
  }

  /** Runs a probe type with references filled in and keeps its output; nothing in a dry run. */
  private async observe(name: string, type: string, step: ProbeActivity | ActionActivity): Promise<ProbeResult | undefined> {
    if (this.ctx.dryRun) return undefined;
    const probe = new PreparedProbe({ name, type, params: step.params, tolerance: step.tolerance }, lookupProbe(this.ctx.probes, type));
    const result = await probe.run(this.signal, resolveReferences(step.params, this.outputs) as Record<string, unknown>);
    if (result.output) this.outputs.set(name, result.output);
    return result;
  }

  /** Records a failed step; stops the method unless the step tolerates failure. */
  private failure(step: { continueOnError: boolean }, message: string, output: unknown): Outcome {
    if (this.signal.aborted) return { status: 'aborted', output, error: message };
    if (!step.continueOnError) {
      this.ctx.failed(message);
      this.stopped.abort();
    }
    return { status: 'failed', output, error: message };
  }

  private async timed(
    activity: { kind: JournalEntry['activity']['kind']; name: string; type?: string; target?: string | undefined; detail?: string },
    body: () => Promise<Outcome>,
  ): Promise<ActivityStatus> {
    const start = Date.now();
    this.ctx.bus.emit({
      type: 'activity-started',
      phase: 'method',
      kind: activity.kind,
      name: activity.name,
      ...(activity.detail ? { detail: activity.detail } : {}),
    });
    let outcome: Outcome;
    try {
      outcome = await body();
    } catch (error) {
      const message = errorMessage(error);
      outcome = this.signal.aborted
        ? { status: 'aborted', error: this.stopped.signal.aborted ? 'stopped: an earlier step failed' : 'the run was aborted' }
        : this.failure({ continueOnError: false }, `step ${activity.name}: ${message}`, undefined);
    }
    const end = Date.now();
    const entry: JournalEntry = {
      activity: {
        phase: 'method',
        kind: activity.kind,
        name: activity.name,
        ...(activity.type ? { type: activity.type } : {}),
        ...(activity.target ? { target: activity.target } : {}),
      },
      status: outcome.status,
      output: outcome.output ?? null,
      ...(outcome.error !== undefined ? { error: outcome.error } : {}),
      start: iso(start),
      end: iso(end),
      durationMs: end - start,
    };
    this.ctx.record(entry);
    this.ctx.bus.emit({ type: 'activity-ended', entry });
    return outcome.status;
  }

  private skip(step: Step, index: number, reason: string): void {
    const at = iso(Date.now());
    const kind =
      'parallel' in step ? 'parallel' : 'wait' in step ? 'wait' : 'fault' in step ? 'fault' : 'probe' in step ? 'probe' : 'action';
    const entry: JournalEntry = {
      activity: { phase: 'method', kind, name: step.name ?? `step-${index + 1}` },
      status: 'skipped',
      output: { reason },
      start: at,
      end: at,
      durationMs: 0,
    };
    this.ctx.record(entry);
    this.ctx.bus.emit({ type: 'activity-ended', entry });
  }
}
