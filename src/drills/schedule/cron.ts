import { Cron } from 'croner';
import { matchesDay, parseCommonCron } from './cron-pattern.js';
import type { CronFields } from './cron-pattern.js';
import { cronParts, isFixedTime } from './cron-pattern.js';
import { DAY, HOUR, wallDay } from './zone.js';
import type { TimeZone } from './zone.js';

/**
 * Cron launches in a zone, computed per day of the zone's calendar:
 *
 *   pattern ─▶ wall times of the day (our reader, or croner on a UTC clock) ─▶ instants (DST rules)
 *
 * The DST rules are croner's own (test/drills/schedule/cron.test.ts compares the two): a
 * fixed-time job (`30 2 * * *`) whose time falls in the spring-forward gap runs at the end of the
 * gap, one whose time happens twice runs at the first; an interval job (`*∕15 * * * *`) skips the
 * gap and runs on both passes of the fold.
 */

/** Parsed patterns, shared by every drill that uses them; `null`: croner evaluates this one. */
const commonPatterns = new Map<string, CronFields | null>();
const MAX_COMMON_PATTERNS = 50_000;
/** Croner objects are heavy (a 10,000-entry year table each): only a few are kept. */
const cronerPlans = new Map<string, CronerPlan>();
const MAX_CRONER_PLANS = 256;
/** Days before and after the query whose runs may land in it (the zone's clock went back). */
const MARGIN = 3 * HOUR;

/** Patterns croner was asked about: '' when it accepts one, else why not. */
const verdicts = new Map<string, string>();

/** Why croner refuses a pattern, or undefined when it accepts it. */
export function cronProblem(pattern: string): string | undefined {
  let verdict = verdicts.get(pattern);
  if (verdict === undefined) {
    verdict = '';
    if (pattern.includes('?')) verdict = 'use * rather than ? (croner reads ? as the time the pattern is read)';
    else {
      try {
        new Cron(pattern, { utcOffset: 0 });
      } catch (error) {
        verdict = (error instanceof Error ? error.message : String(error)).replace(/^CronPattern: /, '');
      }
    }
    if (verdicts.size >= 10_000) verdicts.clear();
    verdicts.set(pattern, verdict);
  }
  return verdict || undefined;
}

/** The instants in (after, until] at which the pattern runs in the zone, ascending. */
export function cronLaunches(pattern: string, zone: TimeZone, after: number, until: number): number[] {
  const fields = commonFields(pattern);
  const plan = fields ? undefined : cronerPlan(pattern);
  const fixedTime = fields ? fields.fixedTime : (plan as CronerPlan).fixedTime;
  const found: number[] = [];
  const last = wallDay(zone.wallOf(until) + MARGIN);
  for (let day = wallDay(zone.wallOf(after) - MARGIN); day <= last; day++) {
    const walls = fields ? wallTimes(fields, day) : (plan as CronerPlan).wallTimesOn(day);
    if (walls.length > 0) addInstants(zone, day, walls, fixedTime, after, until, found);
  }
  found.sort((a, b) => a - b);
  return found.filter((at, i) => i === 0 || found[i - 1] !== at);
}

function commonFields(pattern: string): CronFields | undefined {
  let fields = commonPatterns.get(pattern);
  if (fields === undefined) {
    if (commonPatterns.size >= MAX_COMMON_PATTERNS) commonPatterns.clear();
    fields = parseCommonCron(pattern) ?? null;
    commonPatterns.set(pattern, fields);
  }
  return fields ?? undefined;
}

function wallTimes(fields: CronFields, day: number): number[] {
  if (!matchesDay(fields, day)) return [];
  const start = day * DAY;
  return fields.times.map((time) => start + time);
}

function addInstants(
  zone: TimeZone,
  day: number,
  walls: readonly number[],
  fixedTime: boolean,
  after: number,
  until: number,
  out: number[],
): void {
  const keep = (at: number) => {
    if (at > after && at <= until) out.push(at);
  };
  const offset = zone.constantOffset(day * DAY, (day + 1) * DAY);
  for (const wall of walls) {
    if (offset !== undefined) {
      keep(wall - offset);
      continue;
    }
    const instants = zone.instantsOf(wall);
    if (instants.length > 0) {
      if (fixedTime) keep(instants[0] as number);
      else instants.forEach(keep);
    } else if (fixedTime) {
      // In the gap: at its end, if that is still the same day (croner's rule).
      const end = zone.toInstant(wall);
      if (wallDay(zone.wallOf(end)) === day) keep(end);
    }
  }
}

/** Croner on a UTC clock: the wall times of a pattern our reader leaves to it (`L`, `W`, `#`, a year). */
class CronerPlan {
  readonly fixedTime: boolean;
  private readonly cron: Cron;
  /** The first run after `after` is `next` (null: none): a day is rarely asked twice in a row. */
  private hint = { after: Infinity, next: null as number | null };
  private readonly days = new Map<number, number[]>();

  constructor(pattern: string) {
    this.cron = new Cron(pattern, { utcOffset: 0 });
    const parts = cronParts(pattern);
    this.fixedTime = parts !== undefined && isFixedTime(parts);
  }

  wallTimesOn(day: number): number[] {
    const cached = this.days.get(day);
    if (cached) return cached;
    const start = day * DAY;
    const end = start + DAY;
    const walls: number[] = [];
    let cursor = start - 1000;
    for (;;) {
      const next =
        this.hint.after <= cursor && (this.hint.next === null || this.hint.next > cursor) ? this.hint.next : this.nextAfter(cursor);
      if (next === null || next >= end) break;
      walls.push(next);
      cursor = next;
    }
    if (this.days.size >= 1000) this.days.clear();
    this.days.set(day, walls);
    return walls;
  }

  private nextAfter(cursor: number): number | null {
    const next = this.cron.nextRun(new Date(cursor))?.getTime() ?? null;
    this.hint = { after: cursor, next };
    return next;
  }
}

function cronerPlan(pattern: string): CronerPlan {
  let plan = cronerPlans.get(pattern);
  if (plan) {
    cronerPlans.delete(pattern);
  } else {
    plan = new CronerPlan(pattern);
    if (cronerPlans.size >= MAX_CRONER_PLANS) cronerPlans.delete(cronerPlans.keys().next().value as string);
  }
  cronerPlans.set(pattern, plan);
  return plan;
}
