import type { Random } from '../../util/random.js';
import type { Period, WindowSchedule } from './schema.js';
import { periodRandom } from './seed.js';
import { allowedIntervals, clip, compileWindows, firstMomentFrom, lastMomentUntil, measure, momentAt } from './windows.js';
import type { CompiledWindow, Intervals } from './windows.js';
import { DAY, timeZone, wallDay } from './zone.js';
import type { TimeZone } from './zone.js';

/**
 * `window` schedules: `count` moments in each period (day, week from Monday, month, on the
 * calendar of the first window's zone), uniform over the period's allowed time and at least
 * `minGap` apart. Each period is drawn from its own random numbers (seed, key, period), so it
 * is the same whenever it is asked about.
 *
 * Two periods meet at a boundary: a launch closer than `minGap` to the last one drawn in the
 * periods before is dropped. It depends on those periods' draws only, never on what was dropped
 * from them, so a period never depends on a chain of periods before it. checkSchedule reports a
 * `minGap` long enough for that to happen.
 */
export type WindowSpec = WindowSchedule['window'];

/** Attempts at a draw of `count` moments before they are placed one after the other instead. */
const ATTEMPTS = 16;
/** Periods' draws a plan keeps (a scheduler holds its plans for as long as it runs). */
const KEPT_DRAWS = 1024;
/** Periods looked back for the launch before (a `minGap` of 366 days over daily periods). */
const MAX_LOOKBACK = 400;

export class WindowPlan {
  readonly windows: readonly CompiledWindow[];
  readonly zone: TimeZone;
  private readonly draws = new Map<number, number[]>();

  constructor(
    readonly spec: WindowSpec,
    private readonly key: string,
  ) {
    this.windows = compileWindows(spec.allowed);
    this.zone = this.windows[0]?.zone ?? timeZone('UTC');
  }

  /** The launches in (after, until], ascending. */
  launches(after: number, until: number): number[] {
    const found: number[] = [];
    const last = this.periodOf(until);
    for (let period = this.periodOf(after); period <= last; period++) {
      for (const at of this.kept(period)) if (at > after && at <= until) found.push(at);
    }
    return found;
  }

  periodOf(at: number): number {
    return periodOf(this.zone, this.spec.every, at);
  }

  bounds(period: number): [number, number] {
    return periodBounds(this.zone, this.spec.every, period);
  }

  /** The period's draw, without the launches dropped for the period before. */
  drawn(period: number): number[] {
    let moments = this.draws.get(period);
    if (!moments) {
      const [start, end] = this.bounds(period);
      const random = periodRandom(this.spec.seed, this.key, 'window', period);
      moments = draw(allowedIntervals(this.windows, start, end), this.spec.count, this.spec.minGap, random);
      if (this.draws.size >= KEPT_DRAWS) this.draws.delete(this.draws.keys().next().value as number); // a long-lived plan
      this.draws.set(period, moments);
    }
    return moments;
  }

  private kept(period: number): number[] {
    const moments = this.drawn(period);
    const { minGap } = this.spec;
    const first = moments[0];
    if (first === undefined || first - this.bounds(period)[0] >= minGap) return moments;
    const before = this.lastBefore(period, first - minGap);
    return before === undefined ? moments : moments.filter((at) => at - before >= minGap);
  }

  /** The last moment drawn before `period`, if it is after `since`. */
  private lastBefore(period: number, since: number): number | undefined {
    for (let earlier = period - 1; earlier >= period - MAX_LOOKBACK && this.bounds(earlier)[1] > since; earlier--) {
      const moments = this.drawn(earlier);
      const last = moments[moments.length - 1];
      if (last !== undefined) return last > since ? last : undefined;
    }
    return undefined;
  }
}

/** Periods are numbered: days since 1970-01-01, weeks from Monday 1969-12-29, months since year 0. */
export function periodOf(zone: TimeZone, every: Period, at: number): number {
  const wall = zone.wallOf(at);
  const day = wallDay(wall);
  if (every === 'day') return day;
  if (every === 'week') return Math.floor((day + 3) / 7);
  const date = new Date(wall);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

/** [start, end) of a period: from local midnight to local midnight. */
export function periodBounds(zone: TimeZone, every: Period, period: number): [number, number] {
  let from: number;
  let to: number;
  if (every === 'day') [from, to] = [period * DAY, (period + 1) * DAY];
  else if (every === 'week') [from, to] = [(period * 7 - 3) * DAY, (period * 7 + 4) * DAY];
  else {
    const year = Math.floor(period / 12);
    const month = period - year * 12;
    [from, to] = [Date.UTC(year, month, 1), Date.UTC(year, month + 1, 1)];
  }
  return [zone.toInstant(from), zone.toInstant(to)];
}

/**
 * `count` moments of the allowed time, ascending, at least `minGap` (and a second) apart:
 * uniform draws, kept when they are far enough apart; after ATTEMPTS failures, placed one
 * after the other, each uniform where it leaves room for the rest. Fewer when they cannot fit.
 */
export function draw(intervals: Intervals, count: number, minGap: number, random: Random): number[] {
  const total = measure(intervals);
  if (total === 0) return [];
  const gap = Math.max(minGap, 1000);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const moments = Array.from({ length: count }, () => momentAt(intervals, random() * total)).sort((a, b) => a - b);
    if (moments.every((at, i) => i === 0 || at - (moments[i - 1] as number) >= gap)) return moments;
  }
  const fits = fitting(intervals, count, gap);
  // The latest each moment can be and still leave room for the ones after it.
  const latest: number[] = [];
  let bound = Infinity;
  for (let i = fits - 1; i >= 0; i--) {
    latest[i] = lastMomentUntil(intervals, bound) as number;
    bound = (latest[i] as number) - gap;
  }
  const moments: number[] = [];
  for (let i = 0; i < fits; i++) {
    const previous = moments[i - 1];
    const earliest = previous === undefined ? (intervals[0] as number) : (firstMomentFrom(intervals, previous + gap) as number);
    const room = clip(intervals, earliest, (latest[i] as number) + 1000);
    moments.push(momentAt(room, random() * measure(room)));
  }
  return moments;
}

/** How many of `count` moments fit `gap` apart (placing each as early as it can be). */
export function fitting(intervals: Intervals, count: number, gap: number): number {
  let fits = 0;
  let at = firstMomentFrom(intervals, -Infinity);
  while (at !== undefined && fits < count) {
    fits++;
    at = firstMomentFrom(intervals, at + gap);
  }
  return fits;
}
