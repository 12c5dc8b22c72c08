import { errorMessage } from '../errors.js';
import { formatDuration } from '../util/duration.js';
import type { EventBus } from './events.js';
import type { FaultTracker } from './fault-tracker.js';
import { iso } from './journal.js';
import type { AbortRecord } from './journal.js';

/**
 * How a run ends early: a guardrail, the caller's signal (SIGINT, halt) or maxDuration.
 * Aborting reverts every fault of the run at once — it does not wait for the current step
 * (DESIGN.md, safety invariant 6) — and records when that was done.
 */
export class RunAbort {
  readonly #controller = new AbortController();
  #record: AbortRecord | undefined;
  #reverted: Promise<void> = Promise.resolve();
  readonly #timer: NodeJS.Timeout;
  readonly #onExternal: () => void;

  constructor(
    private readonly bus: EventBus,
    private readonly faults: FaultTracker,
    private readonly external: AbortSignal | undefined,
    maxDurationMs: number,
  ) {
    // The caller says why in the abort reason: "interrupted by SIGINT", "halted: …".
    this.#onExternal = () => this.abort(errorMessage(external?.reason ?? 'interrupted'));
    if (external?.aborted) this.#onExternal();
    external?.addEventListener('abort', this.#onExternal, { once: true });
    this.#timer = setTimeout(() => this.abort(`maxDuration ${formatDuration(maxDurationMs)} exceeded`), maxDurationMs);
  }

  /** Aborted once the run is aborted; every phase and probe of the run listens to it. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get record(): AbortRecord | undefined {
    return this.#record;
  }

  /** The first reason wins; later calls change nothing. */
  readonly abort = (reason: string): void => {
    if (this.#record) return;
    const at = Date.now();
    const record: AbortRecord = { reason, observedAt: iso(at) };
    this.#record = record;
    this.bus.emit({ type: 'run-aborting', reason });
    this.#controller.abort(new Error(reason));
    this.#reverted = this.faults.revertAll(`aborted: ${reason}`).then(() => {
      const done = Date.now();
      record.revertedAt = iso(done);
      record.latencyMs = done - at;
      this.bus.emit({ type: 'faults-reverted-after-abort', count: this.faults.all.length, latencyMs: done - at });
    });
  };

  /** Waits for the abort's reverts, if any, and stops listening. */
  async settle(): Promise<void> {
    await this.#reverted;
    clearTimeout(this.#timer);
    this.external?.removeEventListener('abort', this.#onExternal);
  }
}
