import { errorMessage, FiredrillError } from '../errors.js';
import { drillDebt } from '../drills/debt.js';
import { Scheduler } from '../drills/scheduler.js';
import { monkeyGroups } from '../drills/kinds/monkey.js';
import type { Inventory } from '../targets/inventory.js';
import type { Clock } from '../drills/scheduler.js';
import type { DrillRunner } from '../drills/preconditions.js';
import { dayVerdict } from '../gamedays/progress.js';
import type { Progress } from '../gamedays/progress.js';
import type { GameDayService } from './gameday-service.js';
import { newRunId } from '../runs/run-directory.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/log.js';
import type { RunService } from './run-service.js';

/**
 * The drills of this control plane: the scheduler (one per replica; the store makes each launch
 * happen once), the runs it starts through the run service, and what a run's end means for its
 * launch — its verdict, a skip when the system was not steady, and the reveal of a drill that
 * was not announced.
 */
export class DrillService {
  readonly scheduler: Scheduler;
  readonly #clock: Clock;

  constructor(
    private readonly store: Store,
    private readonly runs: RunService,
    log: Logger,
    options: {
      clock?: Clock;
      claimMs?: number;
      horizonMs?: number;
      gamedays?: () => GameDayService | undefined;
      /** The server's inventory: a monkey's target groups are read in it. */
      inventory?: () => Promise<Inventory | undefined>;
    } = {},
  ) {
    const runner: DrillRunner = {
      newRunId,
      // A game-day drill's launch carries, as its run, the id the game day was played under.
      exists: async (runId) => (await store.runs.get(runId)) !== undefined || (await options.gamedays?.()?.byLaunch(runId)) !== undefined,
      ended: async (runId) => {
        const run = await store.runs.get(runId);
        if (run) return run.state === 'ended' ? { verdict: run.verdict ?? 'failed', reason: run.reason ?? '' } : undefined;
        const day = await options.gamedays?.()?.byLaunch(runId);
        return day?.state === 'ended' ? dayVerdict(day.progress as Progress) : undefined;
      },
      settleEnd: (end) => this.runEnded(end),
      halted: async () => {
        const halt = await runs.halted();
        return halt && `by ${halt.by}: ${halt.reason}`;
      },
      start: async ({ runId, drill, text, vars, secret }) => {
        if (drill.kind === 'gameday') {
          const service = options.gamedays?.();
          const day = await store.gamedays.findByName(text.name);
          if (!service || !day)
            throw new FiredrillError('FD_NOT_FOUND', `drill ${drill.name} plays game day ${text.name}, which is not stored (any more)`);
          if (!(await service.launch(day, runId)))
            throw new FiredrillError('FD_GAMEDAY_RUNNING', `game day ${text.name} is already running`);
          return;
        }
        await runs.start(`drill ${drill.name}`, {
          runId,
          name: text.name,
          yaml: text.yaml,
          vars,
          secret,
          author: drill.facilitator,
          experimentId: null,
          experimentVersion: null,
          dryRun: false,
        });
      },
    };
    this.#clock = options.clock ?? { now: () => Date.now() };
    this.scheduler = new Scheduler({
      store,
      runner,
      log,
      replica: runs.replica,
      ...options,
      groups: async (_drill, spec) => (spec.monkey ? monkeyGroups(spec.monkey, await options.inventory?.()) : []),
      // Only an announced drill is told about as it happens; the others are revealed with their run.
      onSettled: (drill, outcome) => {
        if (!drill || drill.announcement !== 'announced') return;
        const event = outcome.state === 'launched' ? 'drill.launched' : 'drill.skipped';
        const data = { drill: drill.name, title: drill.title, team: drill.team, ...outcome, dueAt: new Date(outcome.dueAt).toISOString() };
        store.webhooks
          .enqueue(event, data)
          .catch((error: unknown) => log.warn('could not queue a drill notification', { error: errorMessage(error) }));
      },
    });
  }

  /** The scheduler's time (the wall clock, but for tests that drive it). */
  now(): number {
    return this.#clock.now();
  }

  /** Announced drills past their expected period, per team: the debt metric (unannounced ones stay the white cell's). */
  async debtByTeam(): Promise<{ team: string; count: number }[]> {
    const announced = (await this.store.drills.list()).filter((d) => d.announcement === 'announced');
    const counts = new Map<string, number>();
    for (const { drill } of drillDebt(announced, await this.store.drills.lastLaunched(), this.#clock.now())) {
      counts.set(drill.team, (counts.get(drill.team) ?? 0) + 1);
    }
    return [...counts].map(([team, count]) => ({ team, count }));
  }

  /** Called by the run service once a run's end is stored. */
  async runEnded(end: { runId: string; verdict: string; reason: string }): Promise<void> {
    const at = this.#clock.now(); // the scheduler's time, as the launch's other times
    const launch = await this.store.drills.runEnded(end.runId, end, at);
    if (!launch) return; // not a drill's run
    const drill = await this.store.drills.get(launch.drillId);
    if (drill && drill.announcement !== 'announced') {
      await this.runs.reveal(end.runId);
      await this.store.drills.reveal(launch.id, at);
    }
  }
}
