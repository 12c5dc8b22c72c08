import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RunEvent, RunObserver } from '../engine/events.js';

/**
 * The control plane's Prometheus metrics, per replica. Labels are a verdict or a fault type,
 * never a run, an experiment or a target — and a secret run is not counted at all until it is
 * revealed, so that no metric tells a responder a secret drill is under way.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly #runs = new Counter({
    name: 'firedrill_runs_total',
    help: 'Runs ended, by verdict',
    labelNames: ['verdict'],
    registers: [this.registry],
  });
  readonly #active = new Gauge({
    name: 'firedrill_active_faults',
    help: 'Faults active now, by type',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly #abort = new Histogram({
    name: 'firedrill_abort_latency_seconds',
    help: 'Guardrail or cancel → every fault of the run reverted',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
    registers: [this.registry],
  });
  readonly #halt = new Histogram({
    name: 'firedrill_halt_latency_seconds',
    help: 'Halt → every fault of an agent reverted, per agent',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
    registers: [this.registry],
  });
  readonly #agentsUp = new Gauge({
    name: 'firedrill_agents_up',
    help: 'Agents that answered at the last look',
    registers: [this.registry],
  });
  readonly #halted = new Gauge({ name: 'firedrill_halted', help: '1 while Firedrill is halted', registers: [this.registry] });
  /** Set by the drill service: what the debt gauge reads at each scrape. */
  debt: () => Promise<{ team: string; count: number }[]> = () => Promise.resolve([]);
  readonly #debt = new Gauge({
    name: 'firedrill_drill_debt',
    help: 'Announced drills not launched within their expected period, by team (unannounced ones are the white cell’s: GET /api/v1/drills/debt)',
    labelNames: ['team'],
    registers: [this.registry],
    collect: async () => {
      this.#debt.reset();
      for (const { team, count } of await this.debt()) this.#debt.set({ team }, count);
    },
  });
  readonly #webhookFailures = new Counter({
    name: 'firedrill_webhook_delivery_failures_total',
    help: 'Webhook delivery attempts that failed',
    registers: [this.registry],
  });

  /** An observer for one run; `secret` runs feed nothing. */
  observer(secret: boolean): RunObserver {
    const faults = new Map<string, string>();
    return {
      name: 'metrics',
      onEvent: (event: RunEvent) => {
        if (secret) return;
        if (event.type === 'fault-injected') {
          faults.set(event.faultId, event.faultType);
          this.#active.inc({ type: event.faultType });
        } else if (event.type === 'fault-reverted') {
          const type = faults.get(event.faultId);
          if (type !== undefined) this.#active.dec({ type });
          faults.delete(event.faultId);
        } else if (event.type === 'faults-reverted-after-abort') {
          this.#abort.observe(event.latencyMs / 1000);
        } else if (event.type === 'run-ended') {
          this.#runs.inc({ verdict: event.verdict });
          for (const type of faults.values()) this.#active.dec({ type }); // a revert that never said so
          faults.clear();
        }
      },
    };
  }

  /** A secret run revealed: its verdict counts from now. */
  revealed(verdict: string | null): void {
    if (verdict) this.#runs.inc({ verdict });
  }

  haltLatency(ms: number): void {
    this.#halt.observe(ms / 1000);
  }

  agentsUp(count: number): void {
    this.#agentsUp.set(count);
  }

  halted(on: boolean): void {
    this.#halted.set(on ? 1 : 0);
  }

  webhookFailed(): void {
    this.#webhookFailures.inc();
  }
}
