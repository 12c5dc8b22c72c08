import type { EventBus } from './events.js';
import type { FaultExecutor } from './executor.js';
import { iso } from './journal.js';
import type { FaultRecord } from './journal.js';

/** How often an active technique is checked for containment: the resolution of time to contain (cheap checks: a stat, a connect). */
export const CONTAINMENT_EVERY_MS = 500;

/**
 * Time to contain, measured where the fault runs: while a fault is active, asks its executor
 * every half second whether the defenders contained it (the backdoor's port closed, the rogue
 * account locked, the key removed) and records the first time it was — once, with how. A kind
 * without such a check answers null at the first ask and is not asked again; an executor that
 * cannot tell (an older agent, a blip) is asked again at the next tick.
 */
export class ContainmentWatch {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #contained = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  #closed = false;

  constructor(
    private readonly runId: string,
    private readonly executor: FaultExecutor,
    private readonly bus: EventBus,
  ) {}

  /** Starts watching an active fault (nothing when its executor cannot check containment). */
  watch(record: FaultRecord): void {
    if (this.#closed || !this.executor.contained) return;
    this.#schedule(record, 0);
  }

  /** Resolves once every one of these faults is contained (never, for an empty list or a fault that cannot be). */
  whenContained(faultIds: readonly string[]): Promise<void> {
    if (faultIds.length === 0) return new Promise(() => undefined);
    return Promise.all(faultIds.map((id) => this.#signal(id).promise)).then(() => undefined);
  }

  #signal(faultId: string): { promise: Promise<void>; resolve: () => void } {
    let signal = this.#contained.get(faultId);
    if (!signal) {
      let resolve = () => undefined as void;
      const promise = new Promise<void>((done) => (resolve = done));
      signal = { promise, resolve };
      this.#contained.set(faultId, signal);
    }
    return signal;
  }

  /** Stops every watch (the run is reverting its faults). */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #schedule(record: FaultRecord, delayMs: number): void {
    const timer = setTimeout(() => void this.#check(record), delayMs);
    timer.unref();
    this.#timers.set(record.faultId, timer);
  }

  async #check(record: FaultRecord): Promise<void> {
    this.#timers.delete(record.faultId);
    if (this.#closed || record.status !== 'active') return;
    let answer;
    try {
      answer = await this.executor.contained?.({ runId: this.runId, faultId: record.faultId });
    } catch {
      answer = undefined; // cannot tell now: ask again
    }
    if (answer === null) return; // its kind has no containment
    if (this.#closed || record.status !== 'active') return;
    if (answer?.ok) {
      record.containedAt = iso(Date.now());
      record.containment = answer.detail;
      this.bus.emit({ type: 'fault-contained', faultId: record.faultId, step: record.step, faultType: record.type, detail: answer.detail });
      this.#signal(record.faultId).resolve();
      return;
    }
    this.#schedule(record, CONTAINMENT_EVERY_MS);
  }
}
