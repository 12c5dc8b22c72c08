import { compileBlackout, covers, coveredUntil } from './blackout.js';
import { DAY_NAMES } from './calendar.js';
import { cronLaunches, cronProblem } from './cron.js';
import { formatScheduleDuration } from './duration.js';
import type { AllowedWindow, Blackout, ScheduleSpec } from './schema.js';
import { WindowPlan, fitting } from './window-draw.js';
import type { WindowSpec } from './window-draw.js';
import { allowedIntervals, compileWindows } from './windows.js';
import type { Intervals } from './windows.js';
import { DAY, timeZone } from './zone.js';

/**
 * What is wrong with a schedule that has the right shape: it is in the past, it never launches
 * outside the blackouts within a year, its launches cannot fit their period… Each problem is a
 * sentence for the person who wrote it; none: the schedule is fine. Never throws.
 */
export function checkSchedule(spec: ScheduleSpec, blackouts: readonly Blackout[], now: number): string[] {
  const problems: string[] = [];
  const compiled: ReturnType<typeof compileBlackout>[] = [];
  for (const blackout of blackouts) {
    try {
      compiled.push(compileBlackout(blackout));
    } catch (error) {
      problems.push(`blackout ${blackout.name}: ${(error as Error).message}`);
    }
  }
  const blackoutOf = (at: number) => compiled.find((b) => covers(b, at))?.blackout.name;
  try {
    switch (spec.kind) {
      case 'cron':
        problems.push(...checkCron(spec.cron, spec.timezone, blackoutOf, now));
        break;
      case 'once': {
        const when = new Date(spec.at).toISOString();
        if (spec.at <= now) problems.push(`once: ${spec.once} (${when}) is in the past`);
        const blackout = blackoutOf(spec.at);
        if (blackout !== undefined) problems.push(`once: ${spec.once} falls in blackout ${blackout}: it would be skipped`);
        break;
      }
      case 'window':
        problems.push(...checkWindows(spec.window.allowed, compiled, now));
        if (spec.window.count < 1) problems.push(`count must be at least 1, got ${spec.window.count}`);
        else if (problems.length === 0) problems.push(...checkFit(spec.window, now));
        break;
      case 'mtbf': {
        const { mean, min } = spec.mtbf;
        problems.push(...checkWindows(spec.mtbf.allowed, compiled, now));
        if (mean < 60_000) problems.push(`mean must be at least 1m, got ${formatScheduleDuration(mean)}`);
        if (min >= mean) problems.push(`min (${formatScheduleDuration(min)}) must be shorter than mean (${formatScheduleDuration(mean)})`);
        break;
      }
    }
  } catch (error) {
    problems.push((error as Error).message);
  }
  return problems;
}

const YEAR = 366 * DAY;
/** Launches looked at for one outside the blackouts: past this, the schedule is taken as fine. */
const MAX_CRON_LAUNCHES = 100_000;

function checkCron(pattern: string, zone: string, blackoutOf: (at: number) => string | undefined, now: number): string[] {
  const problem = cronProblem(pattern);
  if (problem !== undefined) return [`invalid cron ${JSON.stringify(pattern)}: ${problem}`];
  const seen = new Set<string>();
  let count = 0;
  for (let from = now; from < now + YEAR && count < MAX_CRON_LAUNCHES; from += DAY) {
    for (const at of cronLaunches(pattern, timeZone(zone), from, Math.min(from + DAY, now + YEAR))) {
      const blackout = blackoutOf(at);
      if (blackout === undefined) return [];
      seen.add(blackout);
      count++;
    }
  }
  if (count === 0) return [`cron ${JSON.stringify(pattern)} never runs in the next 366 days`];
  if (count >= MAX_CRON_LAUNCHES) return [];
  return [`every launch of cron ${JSON.stringify(pattern)} in the next 366 days falls in a blackout (${[...seen].join(', ')})`];
}

type CompiledBlackouts = readonly ReturnType<typeof compileBlackout>[];

function checkWindows(allowed: readonly AllowedWindow[], blackouts: CompiledBlackouts, now: number): string[] {
  if (allowed.length === 0) return ['no allowed window: give at least one'];
  const problems: string[] = [];
  const shut: number[] = [];
  allowed.forEach((window, i) => {
    const what = `allowed[${i}] (${describeWindow(window)})`;
    if (window.days.length === 0) problems.push(`${what} names no day`);
    else if (!(window.from < window.to)) problems.push(`${what} is empty: it closes (${window.to}) before it opens (${window.from})`);
    else if (!occursOutside(allowedIntervals(compileWindows([window]), now, now + YEAR), blackouts)) shut.push(i);
  });
  if (shut.length === allowed.length) {
    problems.push(
      `${allowed.length === 1 ? 'the allowed window never opens' : 'no allowed window opens'} outside the blackouts in the next 366 days: the drill would never launch`,
    );
  } else {
    for (const i of shut)
      problems.push(
        `allowed[${i}] (${describeWindow(allowed[i] as AllowedWindow)}) never opens outside the blackouts in the next 366 days`,
      );
  }
  return problems;
}

/** Whether some moment of the allowed time is in no blackout. */
function occursOutside(intervals: Intervals, blackouts: CompiledBlackouts): boolean {
  for (let i = 0; i < intervals.length; i += 2) {
    const end = intervals[i + 1] as number;
    let at = intervals[i] as number;
    while (at < end) {
      const blackout = blackouts.find((b) => covers(b, at));
      if (!blackout) return true;
      at = coveredUntil(blackout, at);
    }
  }
  return false;
}

/** Whether `count` launches fit every period of the coming year, and periods do not crowd each other. */
function checkFit(spec: WindowSpec, now: number): string[] {
  const problems: string[] = [];
  const plan = new WindowPlan(spec, '');
  const gap = Math.max(spec.minGap, 1000);
  let short: { period: number; fits: number } | undefined;
  let shortCount = 0;
  let tightest: number | undefined;
  let lastClose: number | undefined;
  const last = plan.periodOf(now + YEAR);
  for (let period = plan.periodOf(now); period <= last; period++) {
    const [start, end] = plan.bounds(period);
    const intervals = allowedIntervals(plan.windows, start, end);
    if (intervals.length === 0) continue;
    const fits = fitting(intervals, spec.count, gap);
    if (fits < spec.count) {
      short ??= { period, fits };
      shortCount++;
    }
    if (lastClose !== undefined) tightest = Math.min(tightest ?? Infinity, (intervals[0] as number) - lastClose);
    lastClose = intervals[intervals.length - 1];
  }
  const minGap = formatScheduleDuration(spec.minGap);
  if (short) {
    const more = shortCount > 1 ? ` (and ${shortCount - 1} more ${spec.every}s)` : '';
    const room = short.fits === 0 ? 'no room for' : `room for only ${short.fits} of`;
    problems.push(`minGap ${minGap} leaves ${room} the ${spec.count} launches in ${describePeriod(plan, short.period)}${more}`);
  }
  // The last moment of a period is a second before its close.
  if (tightest !== undefined && spec.minGap > tightest + 1000) {
    problems.push(
      `minGap ${minGap} is longer than the ${formatScheduleDuration(tightest)} from the close of one ${spec.every}'s allowed time ` +
        `to the opening of the next: a launch that close to the one before it is dropped`,
    );
  }
  return problems;
}

function describePeriod(plan: WindowPlan, period: number): string {
  const date = new Date(plan.zone.wallOf(plan.bounds(period)[0])).toISOString();
  if (plan.spec.every === 'month') return date.slice(0, 7);
  return plan.spec.every === 'week' ? `the week of ${date.slice(0, 10)}` : date.slice(0, 10);
}

/** `mon–fri 10:00–16:00 Europe/Paris` */
export function describeWindow(window: AllowedWindow): string {
  const indexes = [1, 2, 3, 4, 5, 6, 0].filter((i) => window.days.includes(DAY_NAMES[i] as (typeof DAY_NAMES)[number]));
  const runs: string[] = [];
  for (let i = 0; i < indexes.length; i++) {
    let j = i;
    while (j + 1 < indexes.length && (indexes[j + 1] as number) === ((indexes[j] as number) + 1) % 7) j++;
    const first = DAY_NAMES[indexes[i] as number] as string;
    const lastDay = DAY_NAMES[indexes[j] as number] as string;
    runs.push(j - i >= 2 ? `${first}–${lastDay}` : j > i ? `${first}, ${lastDay}` : first);
    i = j;
  }
  const days = indexes.length === 7 ? 'every day' : runs.join(', ');
  return `${days} ${window.from}–${window.to} ${window.timezone}`;
}
