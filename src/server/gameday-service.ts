import { intrusionTruth, scoreReconstructions } from '../gamedays/reconstruction.js';
import type { IntrusionTruth, ReconstructionScore } from '../gamedays/reconstruction.js';
import type { ExpectationFeeds, ReceivedDeclaration } from '../engine/expectation.js';
import { errorMessage } from '../errors.js';
import type { Declaration } from '../experiment/expectation-schema.js';
import { GameDayDriver } from '../gamedays/driver.js';
import type { GameDayRunner } from '../gamedays/driver.js';
import { firstProgress } from '../gamedays/progress.js';
import type { Progress } from '../gamedays/progress.js';
import { measureGameDay } from '../gamedays/measures.js';
import type { StepMeasures } from '../gamedays/measures.js';
import { reviewDoc } from '../gamedays/review.js';
import type { ReviewInput } from '../gamedays/review.js';
import { reviewHtml, reviewMarkdown } from '../gamedays/review-render.js';
import type { GameDaySpec } from '../gamedays/spec.js';
import type { GameDayInfo } from '../store/gamedays.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/log.js';
import type { RunService } from './run-service.js';

const DEFAULT_TICK_MS = 250;
const DEFAULT_LEASE_MS = 10_000;
/** How often a run waiting on "contained" hears a declaration made through another replica. */
const DECLARATIONS_POLL_MS = 200;

/**
 * Game days on the control plane: launched through the API, driven by one replica at a time
 * (GameDayDriver, under a lease in the store: if that replica dies, another carries on with the
 * same clocks), the steps' runs secret until the day is revealed, and the review written from
 * what happened.
 */
export class GameDayService {
  readonly driver: GameDayDriver;
  #timer: NodeJS.Timeout | undefined;
  #busy: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    readonly runs: RunService,
    private readonly log: Logger,
    private readonly options: { leaseMs?: number | undefined } = {},
  ) {
    const runner: GameDayRunner = {
      start: async ({ gameday, step, yaml }) => {
        const spec = gameday.spec as GameDaySpec;
        const run = await runs.start(`game day ${gameday.name}`, {
          name: step.experiment,
          yaml,
          vars: step.vars,
          secret: true,
          author: spec.villains[0] ?? spec.facilitator ?? gameday.createdBy,
          experimentId: null,
          experimentVersion: null,
          dryRun: false,
          feeds: { declarations: this.declarations(gameday.id) },
        });
        return run.id;
      },
      halted: async () => {
        const halt = await runs.halted();
        return halt && `by ${halt.by}: ${halt.reason}`;
      },
      reveal: (runId) => runs.reveal(runId),
      cancel: async (runId, reason) => void (await runs.cancel(runId, reason)),
    };
    this.driver = new GameDayDriver(store, runner, log);
  }

  start(tickMs = DEFAULT_TICK_MS): void {
    this.#timer ??= setInterval(() => this.#kick(), tickMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#busy;
  }

  /** Drives every game day this replica holds one step further (the timer calls it; tests too). */
  async tick(): Promise<void> {
    const now = Date.now();
    const lease = this.options.leaseMs ?? DEFAULT_LEASE_MS;
    // A re-run falls due: played again (one replica wins the launch; the others find it running).
    for (const due of await this.store.gamedays.rerunsDue(now)) {
      if (await this.launch(due)) this.log.info('game day played again, as scheduled', { gameday: due.name });
    }
    for (const gameday of await this.store.gamedays.drive(this.runs.replica, now, now + lease)) {
      const progress = (gameday.progress as Progress | null) ?? firstProgress(gameday.spec as GameDaySpec, gameday.launchedAt ?? now);
      try {
        if ((await this.driver.advance(gameday, progress)) === 'running')
          await this.store.gamedays.save(gameday.id, this.runs.replica, progress, Date.now());
      } catch (error) {
        this.log.warn('a game day could not advance', { gameday: gameday.name, error: errorMessage(error) });
      }
    }
  }

  /** The game day a drill launch played (its id the drill's launch carries as its run). */
  async byLaunch(launchRef: string): Promise<GameDayInfo | undefined> {
    return (await this.store.gamedays.list()).find((day) => (day.progress as Progress | null)?.launchRef === launchRef);
  }

  async launch(gameday: GameDayInfo, launchRef?: string): Promise<GameDayInfo | undefined> {
    const now = Date.now();
    const lease = this.options.leaseMs ?? DEFAULT_LEASE_MS;
    const launched = await this.store.gamedays.launch(
      gameday.id,
      this.runs.replica,
      firstProgress(gameday.spec as GameDaySpec, now, launchRef),
      now,
      now + lease,
    );
    if (launched) this.#kick();
    return launched;
  }

  async review(gameday: GameDayInfo, format: 'md' | 'html' = 'md'): Promise<string> {
    const doc = reviewDoc(await this.#reviewInput(gameday));
    return format === 'html' ? reviewHtml(doc) : reviewMarkdown(doc);
  }

  /** The measures the review is made of, per step and team: for scripts (`?format=json`). */
  async measures(gameday: GameDayInfo): Promise<StepMeasures[]> {
    const input = await this.#reviewInput(gameday);
    return measureGameDay(input.spec, input.progress, input.events, input.alerts);
  }

  /** An intrusion's ground truth and each team's reconstruction scored against it (null when the day detonated no technique). */
  async reconstruction(gameday: GameDayInfo): Promise<{ truth: IntrusionTruth; scores: ReconstructionScore[] } | null> {
    const input = await this.#reviewInput(gameday);
    const truth = intrusionTruth(input.spec, input.progress);
    return truth.techniques.length === 0 ? null : { truth, scores: scoreReconstructions(input.spec, input.progress, input.events) };
  }

  async #reviewInput(gameday: GameDayInfo): Promise<ReviewInput> {
    const events = await this.store.gamedays.events(gameday.id);
    const alerts = gameday.launchedAt === null ? [] : await this.store.alerts.since(gameday.launchedAt);
    return {
      name: gameday.name,
      spec: gameday.spec as GameDaySpec,
      progress: (gameday.progress as Progress | null) ?? firstProgress(gameday.spec as GameDaySpec, gameday.launchedAt ?? 0),
      launchedAt: gameday.launchedAt,
      endedAt: gameday.endedAt,
      events,
      alerts,
      notes: gameday.notes,
      rerunAt: gameday.rerunAt,
    };
  }

  /** The responders' declarations of a game day, as a run's `manual` expectations hear them (from any replica). */
  declarations(gamedayId: string): NonNullable<ExpectationFeeds['declarations']> {
    const store = this.store;
    return {
      subscribe(since, on) {
        const seen = new Set<string>();
        let reading = false;
        const read = async () => {
          if (reading) return;
          reading = true;
          try {
            for (const event of await store.gamedays.events(gamedayId, { since })) {
              if (event.kind !== 'declare' || seen.has(event.id)) continue;
              seen.add(event.id);
              const declaration: ReceivedDeclaration = {
                declare: event.what as Declaration,
                at: event.at,
                by: `${event.by} (${event.team ?? ''})`,
                ...(event.detail !== null && { detail: event.detail }),
              };
              on(declaration);
            }
          } finally {
            reading = false;
          }
        };
        const timer = setInterval(() => void read().catch(() => undefined), DECLARATIONS_POLL_MS);
        void read().catch(() => undefined);
        return () => clearInterval(timer);
      },
    };
  }

  #kick(): void {
    this.#busy ??= this.tick()
      .catch((error: unknown) => this.log.warn('game days could not advance (store unreachable?)', { error: errorMessage(error) }))
      .finally(() => (this.#busy = undefined));
  }
}
