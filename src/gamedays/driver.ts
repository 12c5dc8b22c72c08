import { parse, stringify } from 'yaml';
import { loadExperimentText } from '../experiment/load.js';
import { loadCatalog } from '../runs/catalog.js';
import { PreparedProbe, lookupProbe } from '../engine/activities.js';
import type { ExpectationRecord } from '../engine/expectation.js';
import { errorMessage } from '../errors.js';
import type { ProbeActivity } from '../experiment/schema.js';
import type { RunEventBody } from '../engine/events.js';
import { faultTypes } from '../faults/index.js';
import { probeTypes } from '../probes/index.js';
import { takeRunEvents } from './attack-steps.js';
import type { GameDayInfo } from '../store/gamedays.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/log.js';
import type { Progress, StepProgress } from './progress.js';
import { stepSettled } from './progress.js';
import type { GameDaySpec, GameDayStep } from './spec.js';

/** What the driver needs of the control plane's runs (the server provides it). */
export interface GameDayRunner {
  /** Starts the step's run, secret, its expectations hearing the game day's declarations; its id. */
  start(request: { gameday: GameDayInfo; step: GameDayStep; yaml: string }): Promise<string>;
  /** Why nothing may start now (Firedrill is halted), or undefined. */
  halted(): Promise<string | undefined>;
  reveal(runId: string): Promise<void>;
  /** Stops a step's run still going when the day ends: its faults reverted. */
  cancel(runId: string, reason: string): Promise<void>;
}

/** How often a step's containment probe and hypothesis are probed while it is measured. */
const PROBE_EVERY_MS = 1000;

/**
 * Drives the running game days this replica holds (store.gamedays.drive: its own, and those of
 * a replica that stopped): reads the facilitator's commands, injects each step when its trigger
 * says, follows its run, probes containment and recovery, and ends the day when every step is
 * settled, at its maxDuration, on a halt or when told. Every time lands in the store, so another
 * replica carries on with the same clocks.
 */
export class GameDayDriver {
  readonly #probedAt = new Map<string, number>();
  readonly #hypotheses = new Map<string, Promise<readonly ProbeActivity[]>>();

  constructor(
    private readonly store: Store,
    private readonly runner: GameDayRunner,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async advance(gameday: GameDayInfo, progress: Progress): Promise<'running' | 'ended'> {
    const spec = gameday.spec as GameDaySpec;
    const now = this.now();
    const launchedAt = gameday.launchedAt ?? now;
    const commands = await this.#commands(gameday.id, progress);
    const halt = await this.runner.halted();
    if (halt) return this.#end(gameday, progress, `Firedrill was halted (${halt}): every fault reverted`, true);
    if (commands.includes('end')) return this.#end(gameday, progress, 'ended by the facilitator');
    if (now - launchedAt >= spec.maxDuration) return this.#end(gameday, progress, `its maxDuration passed`);
    const declarations = await this.store.gamedays.events(gameday.id, { since: launchedAt });
    for (const [i, step] of spec.scenario.entries()) {
      const state = progress.steps[i] as StepProgress;
      // A pause holds back the triggers, not the facilitator: "inject now" injects even while paused.
      const injectNow = commands.includes(`inject:${step.name}`);
      if (state.state === 'waiting' && (injectNow || (!progress.paused && this.#due(step, progress, declarations, launchedAt, now)))) {
        await this.#inject(gameday, step, state, now);
      }
      if (state.state !== 'waiting') await this.#follow(step, state, now);
    }
    const allSettled = spec.scenario.every((step, i) => stepSettled(step, progress.steps[i] as StepProgress));
    if (allSettled) return this.#end(gameday, progress, 'every step was contained and recovered');
    return 'running';
  }

  /** The facilitator's commands since the last read; pause and resume applied here. */
  async #commands(gamedayId: string, progress: Progress): Promise<string[]> {
    const events = await this.store.gamedays.events(gamedayId, { since: progress.commandsReadUntil });
    const fresh = events.filter((e) => e.kind === 'command' && e.at >= progress.commandsReadUntil);
    const read: string[] = [];
    for (const command of fresh) {
      if (command.what === 'pause') progress.paused = true;
      if (command.what === 'resume') progress.paused = false;
      read.push(command.what === 'inject' ? `inject:${command.detail ?? ''}` : command.what);
      progress.commandsReadUntil = Math.max(progress.commandsReadUntil, command.at + 1);
    }
    return read;
  }

  #due(
    step: GameDayStep,
    progress: Progress,
    events: readonly { kind: string; what: string; at: number }[],
    launchedAt: number,
    now: number,
  ): boolean {
    const trigger = step.trigger;
    if ('at' in trigger) return now >= launchedAt + trigger.at;
    if ('manual' in trigger) return false;
    const earlier = progress.steps.find((s) => s.name === trigger.after.step);
    if (earlier?.injectedAt === undefined) return false;
    const declared = events.find((e) => e.kind === 'declare' && e.what === trigger.after.declared && e.at >= (earlier.injectedAt ?? 0));
    return declared !== undefined && now >= declared.at + trigger.delay;
  }

  async #inject(gameday: GameDayInfo, step: GameDayStep, state: StepProgress, now: number): Promise<void> {
    state.triggeredAt = now;
    try {
      const stored = await this.store.experiments.findByName(step.experiment);
      const yaml = stored && (await this.store.experiments.versions(stored.id, stored.version))[0]?.yaml;
      if (!yaml) throw new Error(`no stored experiment named ${step.experiment}`);
      state.runId = await this.runner.start({ gameday, step, yaml: withExpectations(yaml, step) });
      state.state = 'running';
    } catch (error) {
      Object.assign(state, { state: 'ended', endedAt: now, verdict: 'failed', reason: `could not be injected: ${errorMessage(error)}` });
      this.log.warn('a game-day step could not be injected', { gameday: gameday.name, step: step.name, error: errorMessage(error) });
    }
  }

  /** The step's run (its injection, its end) and, once injected, its containment and recovery. */
  async #follow(step: GameDayStep, state: StepProgress, now: number): Promise<void> {
    if (state.runId && state.state === 'running') {
      const run = await this.store.runs.get(state.runId);
      await this.#readRunEvents(state.runId, state);
      if (run?.state === 'ended') {
        const journal = (await this.store.runs.journal(state.runId)) as { expectations?: ExpectationRecord[] } | undefined;
        Object.assign(state, { state: 'ended', endedAt: now, verdict: run.verdict ?? 'failed', reason: run.reason ?? '' });
        state.injectedAt ??= run.createdAt;
        if (journal?.expectations) state.expectations = journal.expectations;
      }
    }
    if (state.injectedAt === undefined || stepSettled(step, state)) return;
    const key = `${state.runId ?? step.name}`;
    if (now - (this.#probedAt.get(key) ?? 0) < PROBE_EVERY_MS) return;
    this.#probedAt.set(key, now);
    if (step.containment && state.containedAt === undefined && (await met([step.containment]))) state.containedAt = this.now();
    const hypothesis = await this.#hypothesisOf(step, key);
    if (hypothesis.length === 0) return;
    const holds = await met(hypothesis);
    // User impact: each check stands for the second since the one before.
    state.checks = (state.checks ?? 0) + 1;
    if (!holds) {
      state.failedChecks = (state.failedChecks ?? 0) + 1;
      state.downMs = (state.downMs ?? 0) + PROBE_EVERY_MS;
    }
    if (!holds && state.brokenAt === undefined) state.brokenAt = this.now();
    else if (holds && state.brokenAt !== undefined && state.recoveredAt === undefined) state.recoveredAt = this.now();
  }

  /** The step run's new events: its injection, the techniques it detonated, their containment. */
  async #readRunEvents(runId: string, state: StepProgress): Promise<void> {
    for (;;) {
      const stored = await this.store.runs.events(runId, state.eventsSeen ?? 0);
      const wanted = (type: string) => type === 'fault-injected' || type === 'fault-contained';
      const events = stored.map((e) => ({ seq: e.seq, at: e.at, ...(wanted(e.type) && { body: JSON.parse(e.data) as RunEventBody }) }));
      takeRunEvents(state, events, faultTypes);
      if (stored.length < 1000) return;
    }
  }

  /**
   * The step's hypothesis probes, its variables substituted as its run had them (the step's
   * `vars`, the experiment's defaults): read and checked once per run, not at every probe.
   */
  #hypothesisOf(step: GameDayStep, runKey: string): Promise<readonly ProbeActivity[]> {
    let probes = this.#hypotheses.get(runKey);
    if (!probes) {
      probes = (async () => {
        const stored = await this.store.experiments.findByName(step.experiment);
        const yaml = stored && (await this.store.experiments.versions(stored.id, stored.version))[0]?.yaml;
        if (!yaml) return [];
        const { experiment } = loadExperimentText(`${step.experiment}.yaml`, yaml, {
          catalog: await loadCatalog(),
          vars: step.vars,
          env: {},
        });
        return experiment.hypothesis?.probes ?? [];
      })().catch((error: unknown) => {
        this.log.warn("a game-day step's hypothesis cannot be read: its user impact is not measured", {
          step: step.name,
          error: errorMessage(error),
        });
        return [];
      });
      this.#hypotheses.set(runKey, probes);
    }
    return probes;
  }

  async #end(gameday: GameDayInfo, progress: Progress, reason: string, halted = false): Promise<'ended'> {
    progress.endedReason = reason;
    if (halted) progress.halted = true;
    await this.store.gamedays.end(gameday.id, progress, this.now());
    for (const step of progress.steps.filter((s) => s.runId && s.state === 'running'))
      await this.runner.cancel(step.runId ?? '', `the game day ended: ${reason}`).catch(() => undefined);
    for (const step of progress.steps) {
      if (step.runId) await this.runner.reveal(step.runId).catch(() => undefined);
      this.#hypotheses.delete(step.runId ?? step.name);
      this.#probedAt.delete(step.runId ?? step.name);
    }
    await this.store.gamedays.reveal(gameday.id, this.now());
    this.log.info('game day ended', { gameday: gameday.name, reason });
    return 'ended';
  }
}

/** The experiment's text with the step's own expectations added to its own. */
export function withExpectations(yaml: string, step: GameDayStep): string {
  if (step.expectations.length === 0) return yaml;
  const doc = parse(yaml) as Record<string, unknown>;
  const own: unknown[] = Array.isArray(doc.expectations) ? (doc.expectations as unknown[]) : [];
  // The step's are already validated and in ms; durations in ms read back as numbers of ms only with a unit.
  const ms = (n: number) => `${n}ms`;
  const added = step.expectations.map((e) => ({
    ...e,
    within: ms(e.within),
    grace: ms(e.grace),
    ...(e.prometheus && { prometheus: { ...e.prometheus, every: ms(e.prometheus.every) } }),
    ...(e.log && { log: { ...e.log, every: ms(e.log.every) } }),
  }));
  return stringify({ ...doc, expectations: [...own, ...added] });
}

/** Whether every probe's tolerance is met now. */
async function met(probes: readonly ProbeActivity[]): Promise<boolean> {
  const results = await Promise.all(
    probes.map((probe, i) =>
      new PreparedProbe(
        { name: probe.name ?? `probe-${i + 1}`, type: probe.probe, params: probe.params, tolerance: probe.tolerance },
        lookupProbe(probeTypes, probe.probe),
      ).run(AbortSignal.timeout(5000)),
    ),
  );
  return results.every((r) => r.met);
}
