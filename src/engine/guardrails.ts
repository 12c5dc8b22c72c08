import { conditionHolds } from '../experiment/condition.js';
import type { ConditionMetric } from '../experiment/condition.js';
import type { Guardrail } from '../experiment/schema.js';
import { formatDuration } from '../util/duration.js';
import { lookupProbe, PreparedProbe } from './activities.js';
import type { EventBus } from './events.js';
import { iso } from './journal.js';
import type { GuardrailRecord } from './journal.js';
import type { AnyProbeType } from './probe.js';
import { SampleWindow } from './sample-window.js';
import type { WindowStats } from './sample-window.js';

const MAX_IN_FLIGHT = 8;
const LATENCY_METRICS = new Set<ConditionMetric>(['p50', 'p90', 'p95', 'p99', 'maxLatency']);

/**
 * Watches one guardrail: samples its probe every interval into a sliding window and trips as
 * soon as the condition holds over it. Samples do not wait for each other (up to 8 in flight),
 * so a hanging target is seen at once: for `p99 > 1s`, a sample still pending after 1 s already
 * counts as slower than 1 s — the guardrail does not wait for the probe's own timeout.
 */
export class GuardrailWatch {
  readonly record: GuardrailRecord;
  private readonly window: SampleWindow;
  private readonly probe: PreparedProbe;
  /** Samples in flight: when each started, and its completion. */
  private readonly pending = new Map<number, { started: number; done: Promise<void> }>();
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private next = 0;

  constructor(
    private readonly guardrail: Guardrail,
    name: string,
    registry: ReadonlyMap<string, AnyProbeType>,
    private readonly bus: EventBus,
    private readonly onTrip: (reason: string) => void,
  ) {
    this.record = { name, condition: guardrail.condition.text, samples: 0, tripped: false };
    this.window = new SampleWindow(guardrail.window);
    this.probe = new PreparedProbe(
      { name, type: guardrail.probe, params: guardrail.params, tolerance: guardrail.tolerance },
      lookupProbe(registry, guardrail.probe),
    );
    this.timer = setInterval(() => this.tick(), Math.max(guardrail.interval, 10));
    this.tick();
  }

  private tick(): void {
    if (this.record.tripped || this.controller.signal.aborted) return;
    this.evaluate();
    if (this.pending.size >= MAX_IN_FLIGHT) return;
    const id = this.next++;
    const started = Date.now();
    const sample = this.probe.run(this.controller.signal).then((result) => {
      if (this.controller.signal.aborted) return;
      const latency = typeof result.output?.latencyMs === 'number' ? result.output.latencyMs : Date.now() - started;
      this.window.add({ at: Date.now(), ok: result.met, latencyMs: latency, ...(result.met ? {} : { error: result.detail }) });
      this.record.samples += 1;
      this.evaluate();
    });
    this.pending.set(id, { started, done: sample.finally(() => this.pending.delete(id)) });
  }

  private evaluate(): void {
    if (this.record.tripped) return;
    const now = Date.now();
    const stats = this.window.stats(now);
    this.record.last = { ...stats };
    const { condition, minSamples } = this.guardrail;
    let measured = metricOf(stats, condition.metric);
    if (LATENCY_METRICS.has(condition.metric) && (condition.operator === '>' || condition.operator === '>=')) {
      const oldest = Math.min(...[...this.pending.values()].map((p) => p.started));
      if (Number.isFinite(oldest) && now - oldest > condition.threshold) measured = Math.max(measured ?? 0, now - oldest);
    }
    if (stats.samples + this.pending.size < minSamples) return;
    if (!conditionHolds(condition, measured)) return;
    this.record.tripped = true;
    this.record.trippedAt = iso(now);
    this.record.measured = measured;
    this.bus.emit({ type: 'guardrail-tripped', name: this.record.name, condition: condition.text, measured });
    // A condition that names its window ("… over 2s") already says it.
    const window = condition.windowMs === undefined ? ` over ${formatDuration(this.guardrail.window)}` : '';
    this.onTrip(`guardrail ${this.record.name} tripped: ${describe(condition.metric, measured)} (${condition.text}${window})`);
  }

  /** Stops sampling and cancels samples in flight. */
  async stop(): Promise<GuardrailRecord> {
    clearInterval(this.timer);
    this.controller.abort();
    await Promise.all([...this.pending.values()].map((p) => p.done));
    return this.record;
  }
}

function metricOf(stats: WindowStats, metric: ConditionMetric): number | null {
  switch (metric) {
    case 'maxLatency':
      return stats.maxLatencyMs;
    default:
      return stats[metric];
  }
}

function describe(metric: ConditionMetric, measured: number | null): string {
  if (measured === null) return `${metric} unknown`;
  if (metric === 'failureRate' || metric === 'successRate') return `${metric} ${(measured * 100).toFixed(1)}%`;
  if (LATENCY_METRICS.has(metric)) return `${metric} ${Math.round(measured)}ms`;
  return `${metric} ${measured}`;
}
