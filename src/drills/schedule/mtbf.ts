import type { MtbfSchedule } from './schema.js';
import { periodRandom } from './seed.js';
import { allowedIntervals, compileWindows, measure, momentAt, weeklyShare } from './windows.js';
import type { CompiledWindow } from './windows.js';
import { DAY } from './zone.js';

/**
 * `mtbf` schedules, Chaos Monkey style: the gaps between launches are exponential, drawn on a
 * clock that only runs inside the allowed windows, so launches never pile up at the opening of
 * a window and none is ever outside one.
 *
 * `mean` is calendar time, what a person means by "about one a week": the clock's mean is
 * `mean` × the share of the week the windows cover (Mon–Fri 10–16: 30 h of 168, so a mean of
 * 1w is 30 h of window time), and over many weeks the launches average one per `mean`.
 *
 * Exponential gaps have no memory, so each UTC day is drawn on its own (its own random
 * numbers): the same day is the same whenever it is asked about. `min` then drops any launch
 * closer than `min` to the one drawn before it (kept or not, so that no chain of days is
 * followed). That thins the launches: with windows Mon–Fri 10–16 and a mean of 1w, a `min` of
 * 1h keeps about 97 % of them, 1d about 83 %, 3d about 65 %. `mean` holds exactly without `min`.
 */
export type MtbfSpec = MtbfSchedule['mtbf'];

/** Periods' draws a plan keeps (a scheduler holds its plans for as long as it runs). */
const KEPT_DRAWS = 1024;
/** Days looked back for the draw before (a `min` of up to 366 days). */
const MAX_LOOKBACK = 370;

export class MtbfPlan {
  private readonly windows: readonly CompiledWindow[];
  /** Mean gap on the window clock, in ms. */
  private readonly windowMean: number;
  private readonly draws = new Map<number, number[]>();

  constructor(
    private readonly spec: MtbfSpec,
    private readonly key: string,
  ) {
    this.windows = compileWindows(spec.allowed);
    this.windowMean = spec.mean * weeklyShare(this.windows);
  }

  /** The launches in (after, until], ascending. */
  launches(after: number, until: number): number[] {
    const found: number[] = [];
    const last = Math.floor(until / DAY);
    for (let day = Math.floor(after / DAY); day <= last; day++) {
      let previous: number | undefined;
      for (const at of this.drawn(day)) {
        previous ??= this.lastBefore(day, at - this.spec.min);
        const kept = previous === undefined || at - previous >= this.spec.min;
        previous = at;
        if (kept && at > after && at <= until) found.push(at);
      }
    }
    return found;
  }

  /** The day's draws, before `min` drops any. */
  drawn(day: number): number[] {
    let moments = this.draws.get(day);
    if (!moments) {
      moments = [];
      const intervals = allowedIntervals(this.windows, day * DAY, (day + 1) * DAY);
      const total = measure(intervals);
      const random = periodRandom(this.spec.seed, this.key, 'mtbf', day);
      for (let clock = -Math.log(1 - random()) * this.windowMean; clock < total; clock += -Math.log(1 - random()) * this.windowMean) {
        const at = momentAt(intervals, clock);
        if (at !== moments[moments.length - 1]) moments.push(at);
      }
      if (this.draws.size >= KEPT_DRAWS) this.draws.delete(this.draws.keys().next().value as number); // a long-lived plan
      this.draws.set(day, moments);
    }
    return moments;
  }

  /** The last draw before `day`, if it is after `since`. */
  private lastBefore(day: number, since: number): number | undefined {
    for (let earlier = day - 1; earlier >= day - MAX_LOOKBACK && (earlier + 1) * DAY > since; earlier--) {
      const moments = this.drawn(earlier);
      const last = moments[moments.length - 1];
      if (last !== undefined) return last > since ? last : undefined;
    }
    return undefined;
  }
}
