import { dayMask, parseDate, parseMonthDay, parseTimeOfDay } from './calendar.js';
import type { Blackout } from './schema.js';
import { DAY, MINUTE, timeZone, wallDay, weekday } from './zone.js';
import type { TimeZone } from './zone.js';

/**
 * Blackouts: when no drill launches. A launch due in one is not moved: the scheduler skips it
 * and logs which blackout said so. Dates, days and hours are read on the blackout zone's clock;
 * `hours` are [from, to) of each day the blackout covers.
 */

interface CompiledBlackout {
  readonly blackout: Blackout;
  readonly zone: TimeZone;
  /** Whether it covers a day of its zone's calendar. */
  readonly covers: (day: number) => boolean;
  /** Covered part of each such day, ms after midnight. */
  readonly from: number;
  readonly to: number;
}

/** The first blackout (in list order) covering the instant, or undefined. */
export function blackoutAt(at: number, blackouts: readonly Blackout[]): Blackout | undefined {
  for (const blackout of blackouts) if (covers(compileBlackout(blackout), at)) return blackout;
  return undefined;
}

/** By object: a scheduler passes the same blackouts for every drill of a pass. */
const compiledBlackouts = new WeakMap<Blackout, CompiledBlackout>();

export function compileBlackout(blackout: Blackout): CompiledBlackout {
  let compiled = compiledBlackouts.get(blackout);
  if (!compiled) {
    compiled = compile(blackout);
    compiledBlackouts.set(blackout, compiled);
  }
  return compiled;
}

function compile(blackout: Blackout): CompiledBlackout {
  const hours = blackout.hours;
  const from = hours ? (parseTimeOfDay(hours.from) ?? 0) * MINUTE : 0;
  const to = hours ? (parseTimeOfDay(hours.to) ?? 0) * MINUTE : DAY;
  return { blackout, zone: timeZone(blackout.timezone), covers: dayTest(blackout), from, to };
}

export function covers(compiled: CompiledBlackout, at: number): boolean {
  const wall = compiled.zone.wallOf(at);
  const day = wallDay(wall);
  const time = wall - day * DAY;
  return time >= compiled.from && time < compiled.to && compiled.covers(day);
}

/**
 * When the stretch of blackout that covers `at` ends, at the latest: the end of its hours that
 * day. For checks that walk through time (the next day may be covered too).
 */
export function coveredUntil(compiled: CompiledBlackout, at: number): number {
  const day = wallDay(compiled.zone.wallOf(at));
  return Math.max(compiled.zone.toInstant(day * DAY + compiled.to), at + 1000);
}

function dayTest(blackout: Blackout): (day: number) => boolean {
  switch (blackout.kind) {
    case 'dates': {
      const first = parseDate(blackout.from) ?? Infinity;
      const last = parseDate(blackout.to) ?? -Infinity;
      return (day) => day >= first && day <= last;
    }
    case 'weekly': {
      const mask = dayMask(blackout.days);
      return (day) => (mask & (1 << weekday(day))) !== 0;
    }
    case 'yearly': {
      const first = parseMonthDay(blackout.yearly.from) ?? Infinity;
      const last = parseMonthDay(blackout.yearly.to) ?? -Infinity;
      return (day) => {
        const date = new Date(day * DAY);
        const monthDay = (date.getUTCMonth() + 1) * 100 + date.getUTCDate();
        return first <= last ? monthDay >= first && monthDay <= last : monthDay >= first || monthDay <= last;
      };
    }
  }
}
