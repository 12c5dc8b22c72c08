import { dayMask, parseTimeOfDay } from './calendar.js';
import type { AllowedWindow } from './schema.js';
import { DAY, HOUR, MINUTE, timeZone, wallDay, weekday } from './zone.js';
import type { TimeZone } from './zone.js';

/**
 * Allowed windows as instants. A set of allowed time is a flat, sorted list of disjoint
 * half-open intervals `[start0, end0, start1, end1, …]` whose bounds are whole seconds (windows
 * open on whole minutes, zones change on whole seconds), so "a moment in allowed time" is a
 * whole second `t` with start ≤ t < end.
 *
 * A window on a day the clock skips (02:00–03:00 on the spring-forward day) is empty; one on a
 * day the clock repeats lasts an hour longer.
 */
export type Intervals = number[];

export interface CompiledWindow {
  readonly zone: TimeZone;
  /** Bit `1 << weekday`, 0 = Sunday. */
  readonly days: number;
  /** Opening and closing, ms after midnight. */
  readonly from: number;
  readonly to: number;
}

/** Days before and after a range whose windows may reach into it (a clock going back). */
const MARGIN = 3 * HOUR;

export function compileWindows(allowed: readonly AllowedWindow[]): CompiledWindow[] {
  return allowed.map((window) => ({
    zone: timeZone(window.timezone),
    days: dayMask(window.days),
    from: (parseTimeOfDay(window.from) ?? 0) * MINUTE,
    to: (parseTimeOfDay(window.to) ?? 0) * MINUTE,
  }));
}

/** The allowed time within [start, end). */
export function allowedIntervals(windows: readonly CompiledWindow[], start: number, end: number): Intervals {
  const found: Intervals = [];
  for (const window of windows) {
    const { zone } = window;
    const last = wallDay(zone.wallOf(end) + MARGIN);
    for (let day = wallDay(zone.wallOf(start) - MARGIN); day <= last; day++) {
      if (!(window.days & (1 << weekday(day)))) continue;
      const midnight = day * DAY;
      const offset = zone.constantOffset(midnight, midnight + DAY);
      const open = offset === undefined ? zone.toInstant(midnight + window.from) : midnight + window.from - offset;
      const close = offset === undefined ? zone.toInstant(midnight + window.to) : midnight + window.to - offset;
      const from = Math.max(open, start);
      const to = Math.min(close, end);
      if (to > from) found.push(from, to);
    }
  }
  return windows.length > 1 ? merge(found) : found;
}

function merge(intervals: Intervals): Intervals {
  const pairs: [number, number][] = [];
  for (let i = 0; i < intervals.length; i += 2) pairs.push([intervals[i] as number, intervals[i + 1] as number]);
  pairs.sort((a, b) => a[0] - b[0]);
  const merged: Intervals = [];
  for (const [from, to] of pairs) {
    const lastEnd = merged[merged.length - 1];
    if (lastEnd !== undefined && from <= lastEnd) merged[merged.length - 1] = Math.max(lastEnd, to);
    else merged.push(from, to);
  }
  return merged;
}

/** How much allowed time, in ms. */
export function measure(intervals: Intervals): number {
  let total = 0;
  for (let i = 0; i < intervals.length; i += 2) total += (intervals[i + 1] as number) - (intervals[i] as number);
  return total;
}

/** The moment `offset` ms into the allowed time (0 ≤ offset < measure), to the whole second. */
export function momentAt(intervals: Intervals, offset: number): number {
  let rest = Math.floor(offset / 1000) * 1000;
  for (let i = 0; i < intervals.length; i += 2) {
    const length = (intervals[i + 1] as number) - (intervals[i] as number);
    if (rest < length) return (intervals[i] as number) + rest;
    rest -= length;
  }
  return (intervals[intervals.length - 1] as number) - 1000;
}

/** The allowed time within [from, to). */
export function clip(intervals: Intervals, from: number, to: number): Intervals {
  const clipped: Intervals = [];
  for (let i = 0; i < intervals.length; i += 2) {
    const start = Math.max(intervals[i] as number, from);
    const end = Math.min(intervals[i + 1] as number, to);
    if (end > start) clipped.push(start, end);
  }
  return clipped;
}

/** The first allowed moment at or after `at`, or undefined. */
export function firstMomentFrom(intervals: Intervals, at: number): number | undefined {
  const second = Math.ceil(at / 1000) * 1000;
  for (let i = 0; i < intervals.length; i += 2) {
    if (second < (intervals[i + 1] as number)) return Math.max(intervals[i] as number, second);
  }
  return undefined;
}

/** The last allowed moment at or before `at`, or undefined. */
export function lastMomentUntil(intervals: Intervals, at: number): number | undefined {
  const second = Math.floor(at / 1000) * 1000;
  for (let i = intervals.length - 2; i >= 0; i -= 2) {
    if (second >= (intervals[i] as number)) return Math.min((intervals[i + 1] as number) - 1000, second);
  }
  return undefined;
}

/**
 * The share of calendar time the windows cover, from their weekly pattern: Mon–Fri 10–16 is
 * 30 h of 168. Windows of one zone are united; windows of different zones are added (assumed
 * apart), capped at the whole week.
 */
export function weeklyShare(windows: readonly CompiledWindow[]): number {
  const byZone = new Map<TimeZone, Intervals>();
  for (const window of windows) {
    const week = byZone.get(window.zone) ?? [];
    for (let day = 0; day < 7; day++) if (window.days & (1 << day)) week.push(day * DAY + window.from, day * DAY + window.to);
    byZone.set(window.zone, week);
  }
  let covered = 0;
  for (const week of byZone.values()) covered += measure(merge(week));
  return Math.min(1, covered / (7 * DAY));
}
