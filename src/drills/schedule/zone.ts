/**
 * Time zones with Intl only, fast enough to plan thousands of drills at once.
 *
 *   instant ──wallOf──▶ wall time      the zone's clock read as if it were UTC (ms)
 *   wall time ──toInstant──▶ instant   a clock reading that does not exist (spring forward) is
 *                                      moved forward to the end of the gap: Europe/Paris
 *                                      2026-03-29 02:30 → 03:00 CEST; one that happens twice
 *                                      (fall back) is its first occurrence: 2026-10-25 02:30 CEST
 *
 * Croner runs a fixed-time cron job the same way, so `cron: "30 2 * * *"` and a window opening
 * at 02:30 agree on the spring-forward day.
 *
 * Intl is asked once per zone and UTC day (a few microseconds); the answer is cached with the
 * instant of the change on the rare days the offset changes. Invariant relied on: a zone changes
 * its offset at most once in any 30 hours, as every zone of the tz database does in the years
 * drills are scheduled.
 */

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** Offsets lie within -12 h and +14 h: the instants of one wall time lie within these bounds. */
const BEFORE = 15 * HOUR;
const AFTER = 13 * HOUR;
/** Cached days per zone before the cache starts over (a scheduler asks about nearby days). */
const MAX_CACHED_DAYS = 20_000;

interface DayOffsets {
  /** Offset from the start of the UTC day. */
  readonly start: number;
  /** Offset from `change` on; equal to `start` on days without a change. */
  readonly end: number;
  readonly change: number;
}

export class TimeZone {
  private readonly format: Intl.DateTimeFormat;
  private readonly days = new Map<number, DayOffsets>();

  constructor(readonly name: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Local time minus UTC, in ms, at an instant. */
  offsetAt(at: number): number {
    const day = Math.floor(at / DAY);
    const offsets = this.days.get(day) ?? this.cacheDay(day);
    return at < offsets.change ? offsets.start : offsets.end;
  }

  wallOf(at: number): number {
    return at + this.offsetAt(at);
  }

  /** The instants the clock reads `wall`: none in a gap, two in a fold (earlier first). */
  instantsOf(wall: number): number[] {
    const early = this.offsetAt(wall - BEFORE);
    const late = this.offsetAt(wall + AFTER);
    if (early === late) return [wall - early];
    const found: number[] = [];
    if (this.offsetAt(wall - early) === early) found.push(wall - early);
    if (this.offsetAt(wall - late) === late) found.push(wall - late);
    return found.sort((a, b) => a - b);
  }

  /** The instant the clock reads `wall`; the end of the gap in a gap, the first one in a fold. */
  toInstant(wall: number): number {
    const early = this.offsetAt(wall - BEFORE);
    const late = this.offsetAt(wall + AFTER);
    if (early === late) return wall - early;
    const [first] = this.instantsOf(wall);
    return first ?? this.changeBetween(wall - late, wall - early);
  }

  /**
   * The offset when it holds for every wall time from `fromWall` to `toWall` (at most a day
   * apart), so that instant = wall − offset; undefined near a change. Samples at most 28 h apart
   * see every change (there is at most one in 30 h).
   */
  constantOffset(fromWall: number, toWall: number): number | undefined {
    const early = this.offsetAt(fromWall - BEFORE);
    return this.offsetAt(fromWall + AFTER) === early && this.offsetAt(toWall + AFTER) === early ? early : undefined;
  }

  /** The instant in (from, to] at which the offset changes (the end of a gap). */
  private changeBetween(from: number, to: number): number {
    for (let day = Math.floor(from / DAY); day <= Math.floor(to / DAY); day++) {
      const offsets = this.days.get(day) ?? this.cacheDay(day);
      if (offsets.start !== offsets.end && offsets.change > from && offsets.change <= to) return offsets.change;
    }
    return to;
  }

  private cacheDay(day: number): DayOffsets {
    if (this.days.size >= MAX_CACHED_DAYS) this.days.clear();
    const start = day * DAY;
    const first = this.read(start);
    const last = this.read(start + DAY);
    let offsets: DayOffsets = { start: first, end: first, change: Infinity };
    if (first !== last) {
      // Binary search to the second: zones change their offset on whole seconds.
      let low = start / 1000;
      let high = (start + DAY) / 1000;
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (this.read(middle * 1000) === first) low = middle;
        else high = middle;
      }
      offsets = { start: first, end: last, change: high * 1000 };
    }
    this.days.set(day, offsets);
    return offsets;
  }

  /** The offset at an instant, asked of Intl. */
  private read(at: number): number {
    const whole = Math.floor(at / 1000) * 1000;
    const fields: Record<string, number> = {};
    for (const part of this.format.formatToParts(whole)) if (part.type !== 'literal') fields[part.type] = Number(part.value);
    const wall = Date.UTC(
      fields.year ?? 1970,
      (fields.month ?? 1) - 1,
      fields.day ?? 1,
      fields.hour ?? 0,
      fields.minute ?? 0,
      fields.second ?? 0,
    );
    return wall - whole;
  }
}

const zones = new Map<string, TimeZone | undefined>();
/** Names asked about, known or not (a drills file names a few zones many times). */
const canonicalNames = new Map<string, string | null>();

/** The canonical IANA name (`europe/paris` → `Europe/Paris`), or undefined for an unknown zone. */
export function canonicalTimeZone(name: string): string | undefined {
  let canonical = canonicalNames.get(name);
  if (canonical === undefined) {
    canonical = null;
    if (/^[A-Za-z][\w+\-/]*$/.test(name)) {
      try {
        canonical = new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
      } catch {
        // unknown: null
      }
    }
    if (canonicalNames.size >= 10_000) canonicalNames.clear();
    canonicalNames.set(name, canonical);
  }
  return canonical ?? undefined;
}

/** The zone of that name, cached; throws a RangeError naming an unknown zone. */
export function timeZone(name: string): TimeZone {
  let zone = zones.get(name);
  if (zone === undefined) {
    const canonical = canonicalTimeZone(name);
    if (canonical === undefined) throw new RangeError(`unknown time zone ${JSON.stringify(name)}`);
    zone = canonical === name ? new TimeZone(name) : timeZone(canonical);
    zones.set(name, zone);
  }
  return zone;
}

/** A reading of a zone's clock; `month` is 1–12. */
export interface LocalTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/**
 * The instant a zone's clock reads `local`. DST: a time in the spring-forward gap is moved
 * forward to the end of the gap (Europe/Paris 2026-03-29 02:30 → 03:00 CEST, 01:00Z); a time
 * that happens twice is its first occurrence (2026-10-25 02:30 → 00:30Z, still CEST).
 *
 * @example localToInstant('Europe/Paris', { year: 2026, month: 12, day: 24, hour: 10, minute: 0, second: 0 }) // 2026-12-24T09:00Z
 */
export function localToInstant(zone: string, local: LocalTime): number {
  return timeZone(zone).toInstant(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second));
}

/** What a zone's clock reads at an instant (to the second); `weekday` is 0 (Sunday) to 6. */
export function instantToLocal(zone: string, at: number): LocalTime & { readonly weekday: number } {
  const wall = new Date(Math.floor(timeZone(zone).wallOf(at) / 1000) * 1000);
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
    weekday: wall.getUTCDay(),
  };
}

/** The day of a wall time, counted from 1970-01-01. */
export function wallDay(wall: number): number {
  return Math.floor(wall / DAY);
}

/** The weekday of a day number, 0 (Sunday) to 6. */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}
