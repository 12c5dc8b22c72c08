import { DAY, MINUTE } from './zone.js';

/**
 * The calendar words of schedules and blackouts, parsed strictly: a typo is an error, never a
 * different day. Times of day are minutes after midnight; "24:00" ends a window at midnight.
 */

export const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type DayName = (typeof DAY_NAMES)[number];

/** `"10:00"` → 600; `"24:00"` → 1440; undefined for anything else. */
export function parseTimeOfDay(text: string): number | undefined {
  const match = /^(\d{2}):(\d{2})$/.exec(text);
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes > 0)) return undefined;
  return hours * 60 + minutes;
}

/** The day number (days since 1970-01-01) of `"2026-12-21"`, or undefined if no such date. */
export function parseDate(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const wall = validWall(Number(match[1]), Number(match[2]), Number(match[3]), 0, 0, 0);
  return wall === undefined ? undefined : wall / DAY;
}

/** `"12-24"` → 1224 (month × 100 + day); `"02-29"` is allowed (it blacks out leap days only). */
export function parseMonthDay(text: string): number | undefined {
  const match = /^(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  return validWall(2000, Number(match[1]), Number(match[2]), 0, 0, 0) === undefined ? undefined : Number(match[1]) * 100 + Number(match[2]);
}

/**
 * `"2026-12-24T10:00"` (seconds optional, `T` or a space) as a wall time in ms, with the offset
 * in ms when the text carries one (`Z`, `+01:00`, `-0500`).
 */
export function parseDateTime(text: string): { wall: number; offset: number | undefined } | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const whole = validWall(Number(year), Number(month), Number(day), Number(hour), Number(minute), Number(second ?? 0));
  if (whole === undefined) return undefined;
  const wall = whole + Number((fraction ?? '').padEnd(3, '0')); // .5 is 500 ms
  if (zone === undefined) return { wall, offset: undefined };
  if (zone.toUpperCase() === 'Z') return { wall, offset: 0 };
  const digits = zone.replace(':', '');
  const hours = Number(digits.slice(1, 3));
  const minutes = Number(digits.slice(3, 5));
  if (hours > 14 || minutes > 59) return undefined;
  return { wall, offset: (digits.startsWith('-') ? -1 : 1) * (hours * 60 + minutes) * MINUTE };
}

function validWall(year: number, month: number, day: number, hour: number, minute: number, second: number): number | undefined {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  return new Date(wall).getUTCDate() === day ? wall : undefined;
}

/** `600` → `"10:00"`. */
export function formatTimeOfDay(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Bit `1 << weekday` for each day named. */
export function dayMask(days: readonly DayName[]): number {
  let mask = 0;
  for (const day of days) mask |= 1 << DAY_NAMES.indexOf(day);
  return mask;
}
