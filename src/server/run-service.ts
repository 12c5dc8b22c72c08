import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { errorMessage, FiredrillError } from '../errors.js';
import type { RunEvent, RunObserver } from '../engine/events.js';
import { summarizeTargets } from '../engine/target.js';
import { executeRun } from '../runs/execute-run.js';
import type { Executed } from '../runs/execute-run.js';
import { prepareExperimentText } from '../runs/prepare.js';
import type { Prepared } from '../runs/prepare.js';
import { newRunId } from '../runs/run-directory.js';
import type { RunInfo, StoredEvent } from '../store/runs.js';
import type { WebhookEvent } from '../store/webhooks.js';
import type { ExpectationFeeds } from '../engine/expectation.js';
import type { Store } from '../store/store.js';
import type { Inventory } from '../targets/inventory.js';
import type { Logger } from '../util/log.js';
import type { ServerMetrics } from './metrics.js';
import { HaltWatch } from './halt-watch.js';
import { RunListCache } from './run-list-cache.js';

export interface RunRequest {
  readonly name: string;
  readonly yaml: string;
  readonly experimentId: string | null;
  readonly experimentVersion: number | null;
  readonly secret: boolean;
  /** Who wrote the scenario (a villain's secret run is theirs to see). */
  readonly author: string;
  readonly vars: Readonly<Record<string, string>>;
  readonly seed?: number | undefined;
  readonly dryRun: boolean;
  /** Chosen by the caller (a drill launch names its run before starting it); a new one otherwise. */
  readonly runId?: string | undefined;
  /** More for its expectations to hear (a game day's declarations), beside the server's alerts. */
  readonly feeds?: ExpectationFeeds | undefined;
}

export interface RunServiceOptions {
  readonly store: Store;
  readonly stateDir: string;
  /** The server's inventory with its registered agents (fleet-inventory.ts). */
  readonly inventory: () => Promise<Inventory | undefined>;
  readonly log: Logger;
  /** This replica's claim on a run it executes; another replica aborts a run whose claim lapsed for this long. */
  readonly runLeaseMs?: number | undefined;
  /** The agents' fault leases, renewed by this replica while it runs. */
  readonly faultLeaseTtlMs?: number | undefined;
  readonly metrics?: ServerMetrics | undefined;
  /** Told when a run's end is stored (drill launches settle, secret drills are revealed). */
  readonly onEnded?: ((run: { runId: string; verdict: string; reason: string }) => Promise<void>) | undefined;
  /** Where the runs' expectations hear alerts (and, on game days, declarations). */
  readonly feeds?: ExpectationFeeds | undefined;
}

const DEFAULT_RUN_LEASE_MS = 10_000;
const HALT_KEY = 'halt';

export interface HaltState {
  readonly reason: string;
  readonly at: string;
  readonly by: string;
}

/**
 * Runs started through the API, executed by this replica with the same pipeline as `firedrill
 * run` (runs/). Each run's events go to the store as they happen (in order) and wake the live
 * streams of this replica; other replicas' streams read them from the store. The replica renews
 * a claim on each run it executes; any replica marks `aborted` a run whose claim lapsed (its
 * replica died — its faults were reverted by the agents' own leases meanwhile).
 */
export class RunService {
  readonly replica = randomUUID();
  /** Listing pages, cleared by every change of a run made here. */
  readonly lists = new RunListCache();
  /** The halt as the dashboards see it, told at once when it changes. */
  readonly haltWatch: HaltWatch;
  readonly #live = new Map<string, AbortController>();
  readonly #finished = new Set<Promise<unknown>>();
  readonly #wake = new EventEmitter();
  /** The events of the runs executing here, for their live streams (the store has them too). */
  readonly #recent = new Map<string, StoredEvent[]>();
  /** Ends the store did not take (it was down): written again at each tend until it does. */
  readonly #unsavedEnds = new Map<string, { verdict: string; reason: string; journal?: unknown }>();
  readonly #timer: NodeJS.Timeout;
  /** The tend in progress: a slow store never has two of them at once. */
  #tending: Promise<void> | undefined;
  readonly #leaseMs: number;
  #closing = false;

  constructor(private readonly options: RunServiceOptions) {
    this.#leaseMs = options.runLeaseMs ?? DEFAULT_RUN_LEASE_MS;
    this.haltWatch = new HaltWatch(() => this.halted(), options.log);
    this.#wake.setMaxListeners(0);
    this.#timer = setInterval(
      () => {
        this.#tending ??= this.#tend().finally(() => (this.#tending = undefined));
      },
      Math.max(50, Math.floor(this.#leaseMs / 3)),
    );
    this.#timer.unref();
  }

  /** Validates, stores and starts the run; resolves once it is stored (it runs on). */
  async start(startedBy: string, request: RunRequest): Promise<RunInfo> {
    const prepared = await prepareExperimentText(request.name, request.yaml, {
      vars: request.vars,
      inventory: await this.options.inventory(),
    });
    const started = await this.startPrepared(startedBy, prepared, request);
    started.done.catch(() => undefined); // said in the log and stored as the run's end
    return started.info;
  }

  /**
   * Stores and starts a run prepared by the caller (the demo prepares its drills from files, with
   * the shop's inventory); `observers` see its events too. `done` settles with the run.
   */
  async startPrepared(
    startedBy: string,
    prepared: Prepared,
    request: Omit<RunRequest, 'yaml' | 'vars'> & { vars: Readonly<Record<string, string>> | readonly string[] },
    observers: readonly RunObserver[] = [],
  ): Promise<{ info: RunInfo; done: Promise<Executed> }> {
    if (this.#closing) throw new FiredrillError('FD_SHUTTING_DOWN', 'the server is stopping');
    await this.#refuseWhenHalted();
    const { experiment } = prepared.loaded;
    const runId = request.runId ?? newRunId();
    const { store, log } = this.options;
    await store.runs.insert({
      id: runId,
      experimentId: request.experimentId,
      experimentVersion: request.experimentVersion,
      title: experiment.title,
      secret: request.secret,
      startedBy,
      owner: this.replica,
      leaseExpiresAt: Date.now() + this.#leaseMs,
      tags: experiment.tags ?? [],
      request: {
        name: request.name,
        author: request.author,
        vars: Array.isArray(request.vars) ? request.vars.map((v) => String(v).split('=')[0]) : Object.keys(request.vars),
        seed: request.seed ?? null,
        dryRun: request.dryRun,
      },
    });
    this.lists.changed();
    const abort = new AbortController();
    this.#live.set(runId, abort);
    // A secret run tells no webhook anything until it is revealed.
    const announce = request.secret ? () => undefined : (event: WebhookEvent, data: Record<string, unknown>) => this.#announce(event, data);
    announce('run.started', { runId, title: experiment.title, startedBy });
    const recent: StoredEvent[] = [];
    this.#recent.set(runId, recent);
    const recorder = new StoreRecorder(
      store,
      runId,
      (event) => {
        recent.push(event);
        this.#wake.emit(runId);
      },
      log,
    );
    const done = executeRun(prepared, {
      file: request.name,
      stateDir: this.options.stateDir,
      seed: request.seed ?? Math.floor(Math.random() * 2 ** 31),
      dryRun: request.dryRun,
      leaseTtlMs: this.options.faultLeaseTtlMs ?? 5000,
      signal: abort.signal,
      runId,
      observers: [
        ...observers,
        recorder,
        ...(this.options.metrics ? [this.options.metrics.observer(request.secret)] : []),
        {
          name: 'webhooks',
          onEvent: (event) => {
            if (event.type === 'guardrail-tripped')
              announce('guardrail.tripped', { runId, title: experiment.title, guardrail: event.name });
          },
        },
      ],
      allowFromExperiment: false,
      feeds: { ...this.options.feeds, ...request.feeds },
    })
      .then(async (executed) => {
        const { journal } = executed;
        await recorder.flushed();
        await this.#saveEnd(runId, { verdict: journal.verdict, reason: journal.reason, journal });
        announce('run.ended', { runId, title: experiment.title, verdict: journal.verdict, reason: journal.reason });
        return executed;
      })
      .catch(async (error: unknown) => {
        log.error('run failed', { runId, error });
        await recorder.flushed();
        await this.#saveEnd(runId, { verdict: 'failed', reason: errorMessage(error) });
        announce('run.ended', { runId, title: experiment.title, verdict: 'failed', reason: errorMessage(error) });
        throw error;
      })
      .finally(() => {
        this.#live.delete(runId);
        this.#recent.delete(runId); // the store has every one of them by now (flushed above)
        this.#wake.emit(runId);
        this.#finished.delete(done);
      });
    this.#finished.add(done);
    const info = await store.runs.get(runId);
    if (!info) throw new FiredrillError('FD_NOT_FOUND', `run ${runId} vanished from the store`);
    return { info, done };
  }

  async #refuseWhenHalted(): Promise<void> {
    const halt = await this.halted();
    if (halt)
      throw new FiredrillError(
        'FD_HALTED',
        `Firedrill is halted since ${halt.at} by ${halt.by} (${halt.reason}): no run starts until resume`,
      );
  }

  /** Aborts a running run (every fault reverted): here if this replica runs it, else through the store. */
  async cancel(runId: string, reason: string): Promise<boolean> {
    const local = this.#live.get(runId);
    if (local) {
      local.abort(new Error(reason));
      return true;
    }
    return this.options.store.runs.requestCancel(runId, reason);
  }

  /**
   * The run's events after `afterSeq`: from memory for a run executing here (a hundred streams
   * must not read the store a hundred times per event), else from the store.
   */
  async eventsAfter(runId: string, afterSeq: number): Promise<StoredEvent[]> {
    const recent = this.#recent.get(runId);
    if (recent) return recent.slice(firstAfter(recent, afterSeq));
    return this.options.store.runs.events(runId, afterSeq);
  }

  /** Whether this replica executes the run (its events wake streams here at once). */
  runsHere(runId: string): boolean {
    return this.#live.has(runId);
  }

  /** Resolves on the run's next stored event (or end) on this replica, or after `ms`. */
  waitForNews(runId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake.off(runId, done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake.once(runId, done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** A secret run becomes visible to all; its verdict counts in the metrics from now. */
  async reveal(runId: string): Promise<void> {
    const run = await this.options.store.runs.get(runId);
    if (!run || run.revealedAt !== null) return;
    await this.options.store.runs.reveal(runId);
    this.lists.changed();
    if (run.secret && run.state === 'ended') this.options.metrics?.revealed(run.verdict);
    if (run.secret) this.#announce('run.revealed', { runId, title: run.title, verdict: run.verdict, reason: run.reason });
  }

  /** The halt in force for every replica, from the store. */
  async halted(): Promise<HaltState | undefined> {
    return this.options.store.settings.get<HaltState>(HALT_KEY);
  }

  /** Records the halt for every replica and aborts the runs of this one (the others at their next renewal). */
  async halt(state: HaltState): Promise<number> {
    await this.options.store.settings.set(HALT_KEY, state);
    void this.haltWatch.changed();
    this.#announce('halt', { reason: state.reason, by: state.by, at: state.at });
    return this.#abortAll(`halted by ${state.by}: ${state.reason}`);
  }

  async resume(by: string): Promise<void> {
    await this.options.store.settings.remove(HALT_KEY);
    void this.haltWatch.changed();
    this.#announce('resume', { by });
  }

  /** Queues a webhook event; a store that fails here costs the event, never the run. */
  #announce(event: WebhookEvent, data: Record<string, unknown>): void {
    this.options.store.webhooks
      .enqueue(event, data)
      .catch((error: unknown) => this.options.log.warn('could not queue a webhook event', { event, error: errorMessage(error) }));
  }

  #abortAll(reason: string): number {
    for (const abort of this.#live.values()) abort.abort(new Error(reason));
    return this.#live.size;
  }

  /** Stops taking runs, aborts those running here (every fault reverted) and waits for them. */
  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#timer);
    this.haltWatch.close();
    this.#abortAll('the server is stopping');
    await Promise.allSettled([...this.#finished, this.#tending]);
  }

  /** Stores a run's end; kept for the next tend if the store is down (the run's claim is renewed meanwhile). */
  async #saveEnd(runId: string, outcome: { verdict: string; reason: string; journal?: unknown }): Promise<void> {
    try {
      await this.options.store.runs.end(runId, outcome);
      this.lists.changed();
      this.#unsavedEnds.delete(runId);
      await this.options.onEnded?.({ runId, verdict: outcome.verdict, reason: outcome.reason }).catch((error: unknown) => {
        this.options.log.warn('could not settle what the end of a run concerns', { runId, error: errorMessage(error) });
      });
    } catch (error) {
      this.options.log.warn('could not store the end of a run: trying again', { runId, error: errorMessage(error) });
      this.#unsavedEnds.set(runId, outcome);
    }
  }

  /** Renews this replica's claims, aborts the runs someone cancelled elsewhere, reaps lapsed claims. */
  async #tend(): Promise<void> {
    const { store, log } = this.options;
    try {
      for (const [runId, outcome] of this.#unsavedEnds) await this.#saveEnd(runId, outcome);
      // A run whose end is not stored yet is still ours: another replica must not call it abandoned.
      const ours = [...this.#live.keys(), ...this.#unsavedEnds.keys()];
      const cancelled = await store.runs.renew(this.replica, ours, Date.now() + this.#leaseMs);
      for (const { id, reason } of cancelled) this.#live.get(id)?.abort(new Error(reason));
      const halt = this.#live.size > 0 ? await this.halted() : undefined;
      if (halt) this.#abortAll(`halted by ${halt.by}: ${halt.reason}`);
      for (const id of await store.runs.reapExpired(Date.now())) {
        log.warn('run aborted: its replica stopped renewing its claim', { runId: id });
        this.lists.changed();
        await this.options.onEnded?.({ runId: id, verdict: 'aborted', reason: 'its replica stopped renewing its claim' });
        this.#wake.emit(id);
      }
    } catch (error) {
      log.warn('could not renew run claims (store unreachable?)', { error: errorMessage(error) });
    }
  }
}

/** Index of the first event with a seq above `seq` (events are kept in seq order): a stream's read costs log n. */
function firstAfter(events: readonly StoredEvent[], seq: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((events[mid]?.seq ?? Infinity) <= seq) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Hands each event of a run to its live streams at once (`publish`), and writes it to the store
 * one after another (a stream reading the store "after seq N" never misses one).
 */
class StoreRecorder implements RunObserver {
  readonly name = 'store';
  #chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly runId: string,
    private readonly publish: (event: StoredEvent) => void,
    private readonly log: Logger,
  ) {}

  onEvent(event: RunEvent): void {
    const { runId: _runId, seq, at, type, ...data } = event;
    const stored: StoredEvent = { seq, at: Date.parse(at), type, data: JSON.stringify({ ...data, type, seq, at }) };
    this.publish(stored);
    const summary = event.type === 'targets-resolved' ? summarizeTargets(event.targets) : undefined;
    this.#chain = this.#chain
      .then(() => this.store.runs.appendStored(this.runId, stored))
      .then(() => (summary === undefined ? undefined : this.store.runs.setTargets(this.runId, summary)))
      .catch((error: unknown) => this.log.warn('could not store a run event', { runId: this.runId, seq, error: errorMessage(error) }));
  }

  flushed(): Promise<void> {
    return this.#chain;
  }
}
