import type { Hypothesis } from '../experiment/schema.js';
import { errorMessage } from '../errors.js';
import { lookupProbe, PreparedProbe } from './activities.js';
import type { EventBus } from './events.js';
import type { Phase } from './journal.js';
import type { ProbeResult } from './probe.js';
import { iso } from './journal.js';
import type { DuringSummary, HypothesisCheck, JournalEntry } from './journal.js';
import type { AnyProbeType, ProbeMonitor } from './probe.js';

/**
 * The steady-state hypothesis: checked once before the method (nothing is injected unless it
 * holds), continuously during it, and once after it.
 */
export class SteadyState {
  readonly probes: readonly PreparedProbe[];

  constructor(
    readonly hypothesis: Hypothesis,
    registry: ReadonlyMap<string, AnyProbeType>,
    private readonly bus: EventBus,
    private readonly record: (entry: JournalEntry) => void,
  ) {
    this.probes = hypothesis.probes.map((probe, index) => {
      const name = probe.name ?? `${probe.probe}-${index + 1}`;
      return new PreparedProbe(
        { name, type: probe.probe, params: probe.params, tolerance: probe.tolerance },
        lookupProbe(registry, probe.probe),
      );
    });
  }

  /** Runs every probe at once and records one journal entry per probe. */
  async check(phase: Phase, signal: AbortSignal): Promise<HypothesisCheck> {
    const results = await Promise.all(
      this.probes.map(async (probe) => {
        const start = Date.now();
        this.bus.emit({ type: 'activity-started', phase, kind: 'probe', name: probe.call.name, detail: probe.call.type });
        const result = await probe.run(signal);
        const end = Date.now();
        const entry: JournalEntry = {
          activity: { phase, kind: 'probe', name: probe.call.name, type: probe.call.type },
          status: result.met ? 'succeeded' : signal.aborted ? 'aborted' : 'deviated',
          output: { met: result.met, detail: result.detail, ...(result.output ? { value: result.output } : {}) },
          ...(result.error !== undefined ? { error: result.error } : {}),
          start: iso(start),
          end: iso(end),
          durationMs: end - start,
        };
        this.record(entry);
        this.bus.emit({ type: 'activity-ended', entry });
        return result;
      }),
    );
    const check: HypothesisCheck = { phase, at: iso(Date.now()), met: results.every((r) => r.met), results };
    this.bus.emit({ type: 'hypothesis-checked', phase, met: check.met, results });
    return check;
  }

  /** Starts the continuous check that runs during the method. */
  watch(signal: AbortSignal): DuringWatch {
    return new DuringWatch(this.probes, this.hypothesis.interval, this.bus, signal);
  }
}

/**
 * Checks the hypothesis every interval while the method runs. Probes that sample continuously
 * (availability) run as monitors and are read at each check; point probes run at each check.
 * A check still running when the next is due is not doubled up: the tick is skipped.
 */
export class DuringWatch {
  readonly summary: DuringSummary;
  private readonly monitors = new Map<string, ProbeMonitor>();
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | undefined;

  constructor(
    private readonly probes: readonly PreparedProbe[],
    interval: number,
    private readonly bus: EventBus,
    private readonly signal: AbortSignal,
  ) {
    this.summary = { interval, checks: 0, failedChecks: 0, probes: {} };
    for (const probe of probes) {
      this.summary.probes[probe.call.name] = { checks: 0, failures: 0 };
      if (probe.type.monitor) {
        const parsed = probe.type.params.safeParse(probe.call.params);
        if (parsed.success) this.monitors.set(probe.call.name, probe.type.monitor(parsed.data));
      }
    }
    this.timer = setInterval(
      () => {
        this.running ??= this.tick().finally(() => (this.running = undefined));
      },
      Math.max(interval, 10),
    );
  }

  private async tick(): Promise<void> {
    const results = await Promise.all(this.probes.map((probe) => this.checkOne(probe)));
    if (this.signal.aborted) return;
    const met = results.every((r) => r.met);
    this.summary.checks += 1;
    if (!met) this.summary.failedChecks += 1;
    const at = iso(Date.now());
    for (const result of results) {
      const probe = this.summary.probes[result.name];
      if (!probe) continue;
      probe.checks += 1;
      probe.last = result;
      if (!result.met) {
        probe.failures += 1;
        probe.firstFailure ??= { at, detail: result.detail };
      }
    }
    this.bus.emit({ type: 'hypothesis-checked', phase: 'method', met, results });
  }

  private async checkOne(probe: PreparedProbe): Promise<ProbeResult> {
    const monitor = this.monitors.get(probe.call.name);
    if (!monitor) return probe.run(this.signal);
    try {
      const reading = monitor.read();
      this.bus.emit({ type: 'monitor-reading', name: probe.call.name, reading });
      return { name: probe.call.name, type: probe.call.type, ...probe.judge(reading), output: reading };
    } catch (error) {
      return { name: probe.call.name, type: probe.call.type, met: false, detail: errorMessage(error), error: errorMessage(error) };
    }
  }

  /**
   * Stops checking after one last check (unless the run was aborted), so that even a method
   * shorter than the interval is checked while its faults are still active.
   */
  stop(): Promise<DuringSummary> {
    this.stopping ??= (async () => {
      clearInterval(this.timer);
      await this.running;
      if (!this.signal.aborted) await this.tick();
      await Promise.all([...this.monitors.values()].map((monitor) => monitor.stop()));
      return this.summary;
    })();
    return this.stopping;
  }

  private stopping: Promise<DuringSummary> | undefined;

  /** One line per probe that was not met at some check. */
  deviations(): string[] {
    return Object.entries(this.summary.probes)
      .filter(([, probe]) => probe.failures > 0)
      .map(
        ([name, probe]) =>
          `hypothesis during the method: ${name} not met in ${probe.failures} of ${probe.checks} checks ` +
          `(first: ${probe.firstFailure?.detail ?? 'unknown'})${impact(probe.last?.output)}`,
      );
  }
}

/**
 * For a probe that counts its samples over the whole drill (availability): how long users were
 * affected and how many samples failed — what a reader of the verdict wants to know first.
 */
function impact(output: ProbeResult['output']): string {
  if (!output || typeof output !== 'object' || Array.isArray(output)) return '';
  const { affectedMs, totalFailures, totalSamples, firstFailureAt } = output as Record<string, unknown>;
  if (typeof affectedMs !== 'number' || typeof totalFailures !== 'number' || typeof totalSamples !== 'number' || totalFailures === 0)
    return '';
  const from = typeof firstFailureAt === 'string' ? ` from ${firstFailureAt.slice(11, 23)} UTC` : '';
  return `; users affected for ${(affectedMs / 1000).toFixed(1)} s${from}: ${totalFailures} of ${totalSamples} samples failed`;
}
