import { errorMessage } from '../errors.js';
import { expectationKind } from '../experiment/expectation-schema.js';
import type { Expectation, ExpectationKind } from '../experiment/expectation-schema.js';
import { formatDuration } from '../util/duration.js';
import type { EventBus } from './events.js';
import type { AnyExpectationMatcher, ExpectationFeeds, ExpectationRecord, Sighting } from './expectation.js';
import { iso } from './journal.js';

interface Watched {
  readonly spec: Expectation;
  readonly name: string;
  readonly kind: ExpectationKind;
  startedAt?: number;
  controller?: AbortController;
  done?: Promise<void>;
  sighting?: Sighting;
  error?: string;
  record?: ExpectationRecord;
}

/**
 * A run's expectations: each clock starts at the run's start or at its first injection; each
 * matcher then watches until it sees what it waits for or the run is done with it. The run waits
 * at its end for those not settled, up to their deadline (plus `grace`), so "an alert within 3m"
 * is given its 3 minutes even when the method took one.
 *
 * Outcomes: met (seen by the deadline), late (seen after it), missed (not seen, or could not be
 * watched). `never` turns it round: seen by the deadline is missed, not seen is met.
 */
export class ExpectationWatch {
  readonly #watched: Watched[];

  constructor(
    expectations: readonly Expectation[],
    private readonly matchers: ReadonlyMap<string, AnyExpectationMatcher>,
    private readonly feeds: ExpectationFeeds,
    private readonly bus: EventBus,
    private readonly now: () => number = Date.now,
  ) {
    this.#watched = expectations.map((spec, i) => {
      const kind = expectationKind(spec);
      return { spec, kind, name: spec.name ?? `${kind}-${i + 1}` };
    });
  }

  /** Starts the clocks of those that start at `from` (once: a second call changes nothing). */
  start(from: 'start' | 'injection'): void {
    const at = this.now();
    for (const item of this.#watched) {
      if (item.spec.from !== from || item.startedAt !== undefined) continue;
      item.startedAt = at;
      item.controller = new AbortController();
      const matcher = this.matchers.get(item.kind);
      const context = { since: at, signal: item.controller.signal, feeds: this.feeds };
      // Through a promise: a matcher that throws at once is "could not be watched", never a crash.
      const watching = Promise.resolve().then(() => {
        if (!matcher) throw new Error(`no ${item.kind} matcher here`);
        return matcher.watch(item.spec[item.kind], context);
      });
      item.done = watching.then(
        (sighting) => {
          if (sighting && !item.controller?.signal.aborted) {
            item.sighting = sighting;
            this.#settleOnSighting(item);
          }
        },
        (error: unknown) => {
          item.error = errorMessage(error);
        },
      );
    }
  }

  /**
   * Waits for every started expectation until it is settled or its deadline (plus grace) is
   * past — or until `signal` aborts (the run was halted) — then stops watching and settles the rest.
   */
  async settle(signal: AbortSignal): Promise<void> {
    const pending = this.#watched.filter((item) => item.startedAt !== undefined && !item.record && item.done !== undefined);
    await Promise.all(
      pending.map(async (item) => {
        const waitMs = (item.startedAt ?? 0) + item.spec.within + (item.spec.never ? 0 : item.spec.grace) - this.now();
        if (waitMs > 0 && !item.error) await waitFor(item.done as Promise<void>, waitMs, signal);
        if (item.record || signal.aborted) return;
        // Its time is up: settled now, not when the others are.
        item.controller?.abort();
        await item.done;
        if (!item.record) this.#finish(item, this.#outcomeAtEnd(item));
      }),
    );
    await this.stop();
  }

  /** Stops every matcher and settles what is left; safe to call more than once. */
  async stop(): Promise<void> {
    for (const item of this.#watched) item.controller?.abort();
    await Promise.all(this.#watched.map((item) => item.done ?? Promise.resolve()));
    for (const item of this.#watched) if (!item.record) this.#finish(item, this.#outcomeAtEnd(item));
  }

  records(): ExpectationRecord[] {
    return this.#watched.map((item) => item.record ?? this.#outcomeAtEnd(item));
  }

  /** The findings the verdict counts: every expectation missed or late. */
  findings(): string[] {
    return this.records()
      .filter((record) => record.status !== 'met')
      .map((record) => `expectation ${record.name} ${record.status}: ${record.detail}`);
  }

  #settleOnSighting(item: Watched): void {
    const { sighting, startedAt = 0, spec } = item;
    if (!sighting || item.record) return;
    const tookMs = sighting.at - startedAt;
    const inTime = tookMs <= spec.within;
    if (spec.never) {
      // Seen after the deadline does not count against it: the watch is over by then.
      if (inTime)
        this.#finish(
          item,
          this.#record(
            item,
            'missed',
            `seen after ${formatDuration(tookMs)}, and it must not happen within ${formatDuration(spec.within)}: ${sighting.detail}`,
            tookMs,
          ),
        );
      return;
    }
    const detail = `${inTime ? 'seen' : 'seen late'} after ${formatDuration(tookMs)} (deadline ${formatDuration(spec.within)}): ${sighting.detail}`;
    this.#finish(item, this.#record(item, inTime ? 'met' : 'late', detail, tookMs));
  }

  #outcomeAtEnd(item: Watched): ExpectationRecord {
    const { spec, startedAt } = item;
    if (startedAt === undefined)
      return this.#record(
        item,
        'missed',
        spec.from === 'injection' ? 'its clock never started: nothing was injected' : 'its clock never started',
      );
    if (item.error) return this.#record(item, 'missed', `could not be watched: ${item.error}`);
    const elapsed = this.now() - startedAt;
    if (spec.never) {
      return elapsed >= spec.within
        ? this.#record(item, 'met', `not seen within ${formatDuration(spec.within)}`)
        : this.#record(
            item,
            'missed',
            `the run ended ${formatDuration(elapsed)} after its clock started, before its ${formatDuration(spec.within)} deadline: not verified`,
          );
    }
    return elapsed >= spec.within
      ? this.#record(
          item,
          'missed',
          `not seen within ${formatDuration(spec.within)}${spec.grace > 0 ? ` (nor ${formatDuration(spec.grace)} after)` : ''}`,
        )
      : this.#record(
          item,
          'missed',
          `not seen: the run ended ${formatDuration(elapsed)} after its clock started, before its ${formatDuration(spec.within)} deadline`,
        );
  }

  #record(item: Watched, status: ExpectationRecord['status'], detail: string, tookMs?: number): ExpectationRecord {
    return {
      name: item.name,
      kind: item.kind,
      within: item.spec.within,
      never: item.spec.never,
      status,
      ...(item.startedAt !== undefined && { startedAt: iso(item.startedAt) }),
      ...(tookMs !== undefined && { tookMs }),
      detail,
    };
  }

  #finish(item: Watched, record: ExpectationRecord): void {
    item.record = record;
    this.bus.emit({ type: 'expectation-settled', expectation: record });
  }
}

/** Resolves when `promise` does, `ms` have passed, or `signal` aborts, whichever comes first. */
async function waitFor(promise: Promise<void>, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await Promise.race([
      promise,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
        onAbort = resolve;
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
