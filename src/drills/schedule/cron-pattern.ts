import { DAY, HOUR, MINUTE, weekday } from './zone.js';

/**
 * A reading of the common cron patterns (numbers, names, `*`, ranges, steps and lists in five,
 * six or seven fields, and the nicknames) that needs no croner object: croner keeps a
 * 10,000-entry year table per pattern, too heavy to hold for thousands of drills and too slow
 * to build on every call. Patterns with `L`, `W`, `#`, `+` or a year are left to croner
 * (`parseCommonCron` returns undefined). Croner has validated the pattern beforehand; anything
 * this reader does not recognise goes to croner, which reports it.
 *
 * Semantics follow croner 11: a day matches day-of-month OR day-of-week when both are
 * restricted, and a job whose second, minute and hour are single values is a fixed-time job
 * (it runs at the end of a DST gap instead of being skipped).
 */
export interface CronFields {
  /** Times of day that match, in ms after midnight, ascending. */
  readonly times: readonly number[];
  /** Bit `1 << month` (1–12), `1 << (day - 1)` (1–31), `1 << weekday` (0 = Sunday). */
  readonly months: number;
  readonly daysOfMonth: number;
  readonly daysOfWeek: number;
  readonly anyDayOfMonth: boolean;
  readonly anyDayOfWeek: boolean;
  readonly fixedTime: boolean;
}

const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** The fields of a pattern in croner's order (second first), year dropped; undefined if not 5–7. */
export function cronParts(pattern: string): string[] | undefined {
  const text = pattern.trim();
  const parts = (NICKNAMES[text.toLowerCase()] ?? text).split(/\s+/);
  if (parts.length === 5) parts.unshift('0');
  if (parts.length === 7 && parts.pop() !== '*') return undefined;
  return parts.length === 6 ? parts : undefined;
}

/** Croner's rule: second, minute and hour each one value, written without `*` or `/`. */
export function isFixedTime(parts: readonly string[]): boolean {
  const limits = [59, 59, 23];
  return limits.every((max, i) => {
    const part = parts[i] ?? '*';
    return !/[*/]/.test(part) && parseField(part, 0, max)?.length === 1;
  });
}

export function parseCommonCron(pattern: string): CronFields | undefined {
  const parts = cronParts(pattern);
  if (!parts) return undefined;
  const [second, minute, hour, dom, month, dow] = parts as [string, string, string, string, string, string];
  const seconds = parseField(second, 0, 59);
  const minutes = parseField(minute, 0, 59);
  const hours = parseField(hour, 0, 23);
  const days = parseField(dom, 1, 31);
  const months = parseField(month, 1, 12, MONTHS, 1);
  const weekdays = parseField(dow, 0, 7, WEEKDAYS, 0);
  if (!seconds || !minutes || !hours || !days || !months || !weekdays) return undefined;
  const times: number[] = [];
  for (const h of hours) for (const m of minutes) for (const s of seconds) times.push(h * HOUR + m * MINUTE + s * 1000);
  return {
    times,
    months: months.reduce((mask, m) => mask | (1 << m), 0),
    daysOfMonth: days.reduce((mask, d) => mask | (1 << (d - 1)), 0),
    daysOfWeek: weekdays.reduce((mask, d) => mask | (1 << (d % 7)), 0),
    anyDayOfMonth: dom === '*',
    anyDayOfWeek: dow === '*',
    fixedTime: isFixedTime(parts),
  };
}

/** Whether the pattern runs on a day (days since 1970-01-01 of the zone's calendar). */
export function matchesDay(fields: CronFields, day: number): boolean {
  const date = new Date(day * DAY);
  if (!(fields.months & (1 << (date.getUTCMonth() + 1)))) return false;
  const byMonth = (fields.daysOfMonth & (1 << (date.getUTCDate() - 1))) !== 0;
  const byWeek = (fields.daysOfWeek & (1 << weekday(day))) !== 0;
  if (fields.anyDayOfWeek) return byMonth;
  if (fields.anyDayOfMonth) return byWeek;
  return byMonth || byWeek;
}

/** Values of one field, ascending, or undefined for syntax this reader leaves to croner. */
function parseField(text: string, min: number, max: number, names: readonly string[] = [], first = 0): number[] | undefined {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const match = /^(?:(\*)|([a-z]+|\d+)(?:-([a-z]+|\d+))?)(?:\/(\d+))?$/i.exec(item);
    if (!match) return undefined;
    const [, star, from, to, step] = match;
    const low = star ? min : value(from as string, names, first, false);
    const high = star ? (max === 7 ? 6 : max) : to !== undefined ? value(to, names, first, true) : step !== undefined ? undefined : low;
    const stride = step === undefined ? 1 : Number(step);
    if (low === undefined || high === undefined || low < min || high > max || low > high || stride < 1) return undefined;
    for (let v = low; v <= high; v += stride) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

/** A number or a name (`sun` ends a range as 7, as in croner: `mon-sun`). */
function value(text: string, names: readonly string[], first: number, upper: boolean): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const index = names.indexOf(text.toLowerCase());
  if (index < 0) return undefined;
  return upper && first === 0 && index === 0 ? 7 : index + first;
}
