import { errorMessage } from '../errors.js';
import type { DrillInfo, LaunchInfo } from '../store/drills.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/log.js';
import { checkLaunch } from './preconditions.js';
import type { DrillRunner } from './preconditions.js';
import { experimentOf } from './launch-text.js';
import { blackoutAt, nextLaunches } from './schedule/index.js';
import type { Blackout, Launch } from './schedule/index.js';
import type { DrillSpec } from './spec.js';

/** The time, given to the scheduler: tests drive days of schedule in milliseconds. */
export interface Clock {
  now(): number;
}

export interface SchedulerOptions {
  readonly store: Store;
  readonly runner: DrillRunner;
  readonly log: Logger;
  /** This replica: the launches it claims carry it. */
  readonly replica: string;
  readonly clock?: Clock;
  /** Launches are planned (stored) this far ahead. */
  readonly horizonMs?: number;
  /** A claim not settled within this long is taken over by another replica. */
  readonly claimMs?: number;
  /** Settled launches older than this are forgotten, each drill's last one launched aside (default 400 days). */
  readonly historyMs?: number;
  /** The target groups of a monkey with `groupBy` (the values of that label among its candidates in the inventory). */
  readonly groups?: (drill: DrillInfo, spec: DrillSpec) => Promise<readonly string[]>;
  /** Told what became of each launch it settled (notifications). */
  readonly onSettled?: (drill: DrillInfo | undefined, outcome: { state: string; reason?: string; runId?: string; dueAt: number }) => void;
}

const DEFAULT_HORIZON_MS = 24 * 3600_000;
const DEFAULT_CLAIM_MS = 60_000;
const DEFAULT_STARTING_DEADLINE_MS = 10 * 60_000;
/** Settled launches are kept this long (each drill's last one launched, always). */
const DEFAULT_HISTORY_MS = 400 * 24 * 3600_000;
const PRUNE_EVERY_MS = 3600_000;

/**
 * Plans each enabled drill's launches in the store (once per drill and due time, whichever
 * replica plans them), then claims the due ones — one replica wins each claim — and launches,
 * skips (blackout, incident, halt, another drill of the team running), or records as missed a
 * launch past its starting deadline: a server that was down never launches a burst late.
 */
export class Scheduler {
  readonly #clock: Clock;
  readonly #horizon: number;
  readonly #claimMs: number;
  /** Per drill: planned up to this instant, for this version of its definition. */
  readonly #planned = new Map<string, { until: number; updatedAt: number }>();
  /** The drills as last read, by id. */
  #known = new Map<string, DrillInfo>();
  #plannedAt = Number.NEGATIVE_INFINITY;
  #prunedAt = Number.NEGATIVE_INFINITY;
  #dirty = true;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;

  constructor(private readonly options: SchedulerOptions) {
    this.#clock = options.clock ?? { now: () => Date.now() };
    this.#horizon = options.horizonMs ?? DEFAULT_HORIZON_MS;
    this.#claimMs = options.claimMs ?? DEFAULT_CLAIM_MS;
  }

  /** Ticks every `intervalMs` (never two at once) until stopped. */
  start(intervalMs = 500): void {
    this.#timer = setInterval(() => {
      this.#ticking ??= this.tick()
        .catch((error: unknown) => this.options.log.warn('the scheduler could not tick', { error: errorMessage(error) }))
        .finally(() => (this.#ticking = undefined));
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#ticking;
  }

  /**
   * One pass: every PLAN_EVERY_MS (or at once after `changed()`), plan what is new and settle the
   * launches whose run ended while its replica stopped; then settle every launch due by now — the
   * time read after planning, so that a launch falling due meanwhile does not wait a tick.
   */
  async tick(): Promise<void> {
    const { store } = this.options;
    const blackouts = await storedBlackouts(store);
    const started = this.#clock.now();
    if (this.#dirty || started - this.#plannedAt >= PLAN_EVERY_MS) {
      this.#dirty = false;
      this.#plannedAt = started;
      const drills = (await this.#drills()).filter((d) => d.enabled);
      // Only the drills whose plan runs short are planned again; one that fails does not stop the others.
      for (const drill of drills.filter((d) => this.#needsPlan(d, started))) {
        await this.#plan(drill, started, blackouts).catch((error: unknown) =>
          this.options.log.warn('could not plan a drill', { drill: drill.name, error: errorMessage(error) }),
        );
      }
      await this.#reconcile();
      if (started - this.#prunedAt >= PRUNE_EVERY_MS) {
        this.#prunedAt = started;
        await store.drills.prune(started - (this.options.historyMs ?? DEFAULT_HISTORY_MS));
      }
    }
    const now = this.#clock.now();
    for (const due of await store.drills.due(now)) {
      // The row as it is once claimed: another replica may have named its run meanwhile.
      const launch = await store.drills.claim(due.id, this.options.replica, now, now + this.#claimMs);
      if (!launch) continue; // another replica has it
      const drill = await store.drills.get(launch.drillId); // as it is now: disabled on another replica a moment ago, say
      await this.#settle(launch, drill, now, blackouts);
    }
  }

  /** A drill was applied, enabled or removed here: plan at the next tick, not at the next planning period. */
  changed(): void {
    this.#dirty = true;
  }

  /**
   * The live drills, read again only when they changed: an idle tick over 10,000 drills reads
   * their ids and change times, not 10,000 definitions.
   */
  async #drills(): Promise<DrillInfo[]> {
    const stamps = await this.options.store.drills.stamps();
    const stale = [...stamps].some(([id, at]) => this.#known.get(id)?.updatedAt !== at) || this.#known.size !== stamps.size;
    if (stale) this.#known = new Map((await this.options.store.drills.list()).map((d) => [d.id, d]));
    return [...this.#known.values()];
  }

  /** Launches whose run ended without its end reaching them (their replica stopped in between): settled now. */
  async #reconcile(): Promise<void> {
    for (const launch of await this.options.store.drills.active()) {
      const end = launch.runId ? await this.options.runner.ended(launch.runId) : undefined;
      if (end && launch.runId) await this.options.runner.settleEnd({ runId: launch.runId, ...end });
    }
  }

  /**
   * The launches due for `drill` in (after, until], with the blackouts that skip them (for
   * `firedrill monkey` and the calendar). A monkey with `groupBy` has one clock per target group:
   * each launch says its group.
   */
  async upcoming(
    drill: DrillInfo,
    after: number,
    until: number,
    blackouts: ReadonlyMap<string | null, Blackout[]>,
  ): Promise<(Launch & { readonly group?: string })[]> {
    const spec = drill.spec as DrillSpec;
    const query = { after, until, blackouts: blackoutsFor(drill, spec, blackouts) };
    if (spec.monkey?.groupBy === undefined) return nextLaunches(spec.schedule, { ...query, key: drill.id });
    const groups = (await this.options.groups?.(drill, spec)) ?? [];
    return groups
      .flatMap((group) => nextLaunches(spec.schedule, { ...query, key: groupKey(drill, group) }).map((l) => ({ ...l, group })))
      .sort((a, b) => a.at - b.at);
  }

  /**
   * The next launch of `drill` after `after` that no blackout skips, within `withinMs`: the next
   * two days first — most drills launch within them — and the rest only when they hold none.
   */
  async nextLaunch(
    drill: DrillInfo,
    after: number,
    withinMs: number,
    blackouts: ReadonlyMap<string | null, Blackout[]>,
  ): Promise<(Launch & { readonly group?: string }) | undefined> {
    const soon = Math.min(NEAR_MS, withinMs);
    const near = (await this.upcoming(drill, after, after + soon, blackouts)).find((l) => !l.skipped);
    if (near || soon === withinMs) return near;
    return (await this.upcoming(drill, after + soon, after + withinMs, blackouts)).find((l) => !l.skipped);
  }

  /** The target group whose clock made the launch due at `dueAt`; undefined when none does now (the inventory changed). */
  async #groupAt(drill: DrillInfo, spec: DrillSpec, dueAt: number): Promise<string | undefined> {
    const groups = (await this.options.groups?.(drill, spec)) ?? [];
    return groups.find((group) =>
      nextLaunches(spec.schedule, { after: dueAt - 1, until: dueAt, key: groupKey(drill, group) }).some((l) => l.at === dueAt),
    );
  }

  /** New or changed since it was planned, or planned less than half a horizon ahead. */
  #needsPlan(drill: DrillInfo, now: number): boolean {
    const known = this.#planned.get(drill.id);
    return !known || known.updatedAt !== drill.updatedAt || known.until - now < this.#horizon / 2;
  }

  async #plan(drill: DrillInfo, now: number, blackouts: ReadonlyMap<string | null, Blackout[]>): Promise<void> {
    const known = this.#planned.get(drill.id);
    const fresh = !known || known.updatedAt !== drill.updatedAt;
    const from = fresh ? now : known.until;
    const until = now + this.#horizon;
    // At most so many ahead: a drill every few seconds plans the next ones, not a day of them.
    const due = (await this.upcoming(drill, from, until, blackouts)).slice(0, MAX_PLANNED).map((l) => l.at);
    await this.options.store.drills.plan(drill.id, due);
    const planned = due.length === MAX_PLANNED ? (due.at(-1) ?? until) : until;
    this.#planned.set(drill.id, { until: planned, updatedAt: drill.updatedAt });
  }

  async #settle(launch: LaunchInfo, drill: DrillInfo | undefined, now: number, blackouts: ReadonlyMap<string | null, Blackout[]>) {
    const { store, runner, log } = this.options;
    const settle = async (state: 'launched' | 'skipped' | 'missed' | 'failed', reason?: string, runId?: string) => {
      // Settled only while this replica holds the claim: one that stalled past it changes nothing.
      if (!(await store.drills.settle(launch.id, this.options.replica, { state, reason, runId, at: this.#clock.now() }))) return;
      this.options.onSettled?.(drill, {
        state,
        ...(reason !== undefined && { reason }),
        ...(runId !== undefined && { runId }),
        dueAt: launch.dueAt,
      });
    };
    try {
      // Taken over from a replica that stopped after naming its run: that run, and no other.
      if (launch.runId && drill) return await this.#finishNamed(launch, launch.runId, drill, settle);
      if (!drill || !drill.enabled) return await settle('skipped', 'the drill was removed or disabled before it was due');
      const spec = drill.spec as DrillSpec;
      const deadline = spec.schedule.startingDeadline ?? DEFAULT_STARTING_DEADLINE_MS;
      if (now - launch.dueAt > deadline) {
        return await settle('missed', `not launched within its starting deadline (${Math.round(deadline / 1000)} s after it was due)`);
      }
      const blackout = blackoutAt(launch.dueAt, blackoutsFor(drill, spec, blackouts));
      if (blackout) return await settle('skipped', `in blackout ${blackout.name}`);
      const refusal = await checkLaunch(store, runner, drill, spec);
      if (refusal) return await settle('skipped', refusal);
      const group = spec.monkey?.groupBy === undefined ? undefined : await this.#groupAt(drill, spec, launch.dueAt);
      if (spec.monkey?.groupBy !== undefined && group === undefined)
        return await settle('skipped', `no target group (label ${spec.monkey.groupBy}) was due then any more: the inventory changed`);
      const text = await experimentOf(store, drill, spec, group);
      const runId = runner.newRunId();
      if (!(await store.drills.attachRun(launch.id, this.options.replica, runId, this.#clock.now()))) return; // the claim lapsed meanwhile
      await runner.start({ runId, drill, text, vars: spec.vars, secret: drill.announcement !== 'announced' });
      await settle('launched', undefined, runId);
      log.info('drill launched', { drill: drill.name, runId, dueAt: new Date(launch.dueAt).toISOString() });
    } catch (error) {
      await settle('failed', errorMessage(error));
      log.warn('a drill could not be launched', { drill: drill?.name, error: errorMessage(error) });
    }
  }

  /**
   * A launch whose first holder named its run and then stopped: if the run exists, the launch
   * happened; if not, it is started under that very name — the store takes one run per id, so if
   * the first holder starts it after all, one of the two starts fails and the launch still has one run.
   */
  async #finishNamed(
    launch: LaunchInfo,
    runId: string,
    drill: DrillInfo,
    settle: (state: 'launched' | 'failed', reason?: string, runId?: string) => Promise<void>,
  ): Promise<void> {
    const { store, runner } = this.options;
    if (await runner.exists(runId)) return settle('launched', undefined, runId);
    const spec = drill.spec as DrillSpec;
    try {
      await runner.start({
        runId,
        drill,
        text: await experimentOf(
          store,
          drill,
          spec,
          spec.monkey?.groupBy === undefined ? undefined : await this.#groupAt(drill, spec, launch.dueAt),
        ),
        vars: spec.vars,
        secret: drill.announcement !== 'announced',
      });
    } catch (error) {
      if (!(await runner.exists(runId))) throw error;
    }
    return settle('launched', undefined, runId);
  }
}

/** How far `nextLaunch` looks first. */
const NEAR_MS = 2 * 24 * 3600_000;
/** Launches planned ahead per drill and pass. */
const MAX_PLANNED = 200;
/**
 * How often a replica plans (drills applied on another replica are planned within this; a
 * launch is planned a day ahead by whichever replica plans first, and due for all).
 */
const PLAN_EVERY_MS = 10_000;

/** The key of a target group's draws: its own clock, apart from the drill's other groups. */
function groupKey(drill: DrillInfo, group: string): string {
  return `${drill.id}/${group}`;
}

function blackoutsFor(drill: DrillInfo, spec: DrillSpec, byTeam: ReadonlyMap<string | null, Blackout[]>): Blackout[] {
  return [...(byTeam.get(null) ?? []), ...(byTeam.get(drill.team) ?? []), ...spec.blackouts];
}

/** The stored blackouts, by team (null: every team). */
export async function storedBlackouts(store: Store): Promise<Map<string | null, Blackout[]>> {
  const byTeam = new Map<string | null, Blackout[]>();
  for (const b of await store.blackouts.list()) byTeam.set(b.team, [...(byTeam.get(b.team) ?? []), b.spec as Blackout]);
  return byTeam;
}
