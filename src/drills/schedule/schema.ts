import { z } from 'zod';
import { didYouMean } from '../../util/suggest.js';
import { DAY_NAMES, parseDate, parseDateTime, parseMonthDay, parseTimeOfDay } from './calendar.js';
import type { DayName } from './calendar.js';
import { cronProblem } from './cron.js';
import { parseScheduleDuration } from './duration.js';
import { canonicalTimeZone, timeZone } from './zone.js';

/**
 * When a drill launches, and when it never does. The output is plain data (it is stored as JSON
 * and read back): durations in ms, the kind named in `kind`, zones canonical, times and dates as
 * written. Every kind takes `startingDeadline` (default 10m).
 *
 *   cron: "0 2 * * *"              once: 2026-12-24T10:00:00    (or 2026-12-24T10:00:00+01:00)
 *   timezone: Europe/Paris         timezone: Europe/Paris
 *
 *   window:                        # `count` random moments in each period, inside the windows
 *     allowed:
 *       - { timezone: Europe/Paris, days: [mon, tue, wed, thu, fri], from: "10:00", to: "16:00" }
 *     every: week                  # day, week (from Monday) or month
 *     count: 2                     # default 1
 *     minGap: 1d                   # default 0
 *     seed: 42                     # default 0; the drill's id is mixed in
 *
 *   mtbf:                          # Chaos Monkey: exponential gaps, counted in window time
 *     allowed: [ …as above… ]
 *     mean: 1w                     # about one a calendar week
 *     min: 1d                      # default 0
 *     seed: 42
 *
 * Blackouts: `{ name, timezone, from: 2026-12-21, to: 2026-12-27 }` (inclusive dates),
 * `{ name, timezone, days: [sat, sun] }` (weekly) or `{ name, timezone, yearly: { from: "12-24", to: "12-26" } }`,
 * each optionally limited to `hours: { from: "22:00", to: "24:00" }` of those days.
 */

export const DEFAULT_STARTING_DEADLINE_MS = 10 * 60_000;
/** Schedule durations reach further than a fault's (a mean of a month is fine), not past a year. */
export const MAX_SCHEDULE_DURATION_MS = 366 * 86_400_000;

export type Period = 'day' | 'week' | 'month';

/** An allowed window: `from`–`to` ("HH:MM", to may be "24:00") on `days`, in `timezone`. */
export interface AllowedWindow {
  readonly timezone: string;
  readonly days: readonly DayName[];
  readonly from: string;
  readonly to: string;
}

export interface CronSchedule {
  readonly kind: 'cron';
  readonly cron: string;
  readonly timezone: string;
  readonly startingDeadline: number;
}

export interface OnceSchedule {
  readonly kind: 'once';
  /** As written. */
  readonly once: string;
  readonly timezone?: string | undefined;
  /** The instant it means. */
  readonly at: number;
  readonly startingDeadline: number;
}

export interface WindowSchedule {
  readonly kind: 'window';
  readonly window: {
    readonly allowed: readonly AllowedWindow[];
    readonly every: Period;
    /** Launches per period. */
    readonly count: number;
    /** Least time between two launches, in ms. */
    readonly minGap: number;
    readonly seed: number;
  };
  readonly startingDeadline: number;
}

export interface MtbfSchedule {
  readonly kind: 'mtbf';
  readonly mtbf: {
    readonly allowed: readonly AllowedWindow[];
    /** Mean calendar time between two launches, in ms; the draws only count window time. */
    readonly mean: number;
    /** Least time between two launches, in ms. */
    readonly min: number;
    readonly seed: number;
  };
  readonly startingDeadline: number;
}

export type ScheduleSpec = CronSchedule | OnceSchedule | WindowSchedule | MtbfSchedule;

interface BlackoutCommon {
  readonly name: string;
  readonly timezone: string;
  /** Only these hours of each day it covers ("HH:MM", to may be "24:00"); the whole day without. */
  readonly hours?: { readonly from: string; readonly to: string } | undefined;
}

/** A time no drill launches: inclusive dates, weekly days, or yearly dates, local to `timezone`. */
export type Blackout = BlackoutCommon &
  (
    | { readonly kind: 'dates'; readonly from: string; readonly to: string }
    | { readonly kind: 'weekly'; readonly days: readonly DayName[] }
    | { readonly kind: 'yearly'; readonly yearly: { readonly from: string; readonly to: string } }
  );

let zoneNames: string[] | undefined;

export const timeZoneSchema = z
  .string()
  .describe('an IANA time zone: Europe/Paris, America/New_York, UTC')
  .transform((name, ctx) => {
    const canonical = canonicalTimeZone(name);
    if (canonical === undefined) {
      zoneNames ??= [...Intl.supportedValuesOf('timeZone'), 'UTC'];
      const hint = didYouMean(name, zoneNames);
      ctx.addIssue({
        code: 'custom',
        message: `unknown time zone ${JSON.stringify(name)}${hint || ': use an IANA name such as Europe/Paris'}`,
      });
      return z.NEVER;
    }
    timeZone(canonical);
    return canonical;
  });

export const scheduleDurationSchema = z
  .union([z.number(), z.string()])
  .describe('a duration: "30s", "10m", "2h", "1d", "1w", or a number of seconds; at most 366d')
  .transform((value, ctx) => {
    const ms = parseScheduleDuration(value);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration like 10m, 2h, 1d or 1w (or a number of seconds), got ${JSON.stringify(value)}`,
      });
      return z.NEVER;
    }
    if (ms > MAX_SCHEDULE_DURATION_MS) {
      ctx.addIssue({ code: 'custom', message: `must be at most 366d, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return ms;
  });

const timeOfDaySchema = z
  .string({ error: 'expected a time of day in quotes, like "10:00"' })
  .refine((text) => parseTimeOfDay(text) !== undefined, {
    error: (issue) => `expected a time of day "HH:MM" from 00:00 to 24:00, got ${JSON.stringify(issue.input)}`,
  });

const daysSchema = z.array(z.enum(DAY_NAMES)).min(1, 'name at least one day: mon, tue, wed, thu, fri, sat, sun');

/** `from` before `to`, or an issue at `to`. */
function ordered(range: { from: string; to: string }, ctx: z.RefinementCtx, what: string): void {
  const from = parseTimeOfDay(range.from) as number;
  const to = parseTimeOfDay(range.to) as number;
  if (from >= to) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `${what} ends (${range.to}) before it starts (${range.from}): a range over midnight is two, one ending at "24:00" and one from "00:00"`,
    });
  }
}

export const allowedWindowSchema = z
  .strictObject({
    timezone: timeZoneSchema,
    days: daysSchema.default([...DAY_NAMES]).describe('the days it opens (default: every day)'),
    from: timeOfDaySchema.describe('when it opens, "HH:MM"'),
    to: timeOfDaySchema.describe('when it closes, "HH:MM" ("24:00": at midnight)'),
  })
  .superRefine((window, ctx) => ordered(window, ctx, 'the window'));

const allowedSchema = z.array(allowedWindowSchema).min(1, 'give at least one allowed window').describe('when a launch may happen');
const seedSchema = z.number().int().default(0).describe('change it to draw other moments; the same seed replays the same ones');

const windowKindSchema = z.strictObject({
  allowed: allowedSchema,
  every: z.enum(['day', 'week', 'month']).describe('the period: `count` launches in each (weeks start on Monday)'),
  count: z.number().int().min(1).max(1000).default(1).describe('launches per period'),
  minGap: scheduleDurationSchema.default(0).describe('least time between two launches'),
  seed: seedSchema,
});

const mtbfKindSchema = z.strictObject({
  allowed: allowedSchema,
  mean: scheduleDurationSchema
    .refine((ms) => ms >= 60_000, 'the mean must be at least 1m')
    .describe('mean calendar time between two launches (1w: about one a week); the draws only count window time'),
  min: scheduleDurationSchema.default(0).describe('least time between two launches'),
  seed: seedSchema,
});

const KINDS = ['cron', 'once', 'window', 'mtbf'] as const;

export const scheduleSchema = z
  .strictObject({
    cron: z
      .string()
      .superRefine((pattern, ctx) => {
        const problem = cronProblem(pattern);
        if (problem) ctx.addIssue({ code: 'custom', message: `invalid cron ${JSON.stringify(pattern)}: ${problem}` });
      })
      .optional()
      .describe('a cron pattern (croner: 5 fields, or 6 with seconds first), read in `timezone`'),
    once: z.string().optional().describe('one launch: 2026-12-24T10:00:00 in `timezone`, or with an offset'),
    window: windowKindSchema.optional().describe('`count` random moments in the allowed windows of each period'),
    mtbf: mtbfKindSchema.optional().describe('random moments in the allowed windows, `mean` apart on average'),
    timezone: timeZoneSchema.optional().describe('the zone of `cron` and `once` (windows carry their own)'),
    startingDeadline: scheduleDurationSchema
      .default(DEFAULT_STARTING_DEADLINE_MS)
      .describe('a launch not started this long after it was due is missed, never late'),
  })
  .transform((input, ctx): ScheduleSpec => {
    const kinds = KINDS.filter((kind) => input[kind] !== undefined);
    if (kinds.length !== 1) {
      const message =
        kinds.length === 0
          ? 'a schedule needs one of cron, once, window or mtbf'
          : `a schedule has one kind: choose between ${kinds.join(' and ')}`;
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    const { startingDeadline, timezone } = input;
    if (input.window !== undefined || input.mtbf !== undefined) {
      if (timezone !== undefined)
        ctx.addIssue({ code: 'custom', path: ['timezone'], message: 'each allowed window carries its own timezone' });
      if (input.window) return { kind: 'window', window: input.window, startingDeadline };
      if (input.mtbf) return { kind: 'mtbf', mtbf: input.mtbf, startingDeadline };
    }
    if (input.cron !== undefined) {
      if (timezone === undefined)
        ctx.addIssue({ code: 'custom', path: ['timezone'], message: 'a cron schedule needs timezone (UTC, Europe/Paris…)' });
      return { kind: 'cron', cron: input.cron, timezone: timezone ?? 'UTC', startingDeadline };
    }
    const once = input.once as string;
    const parsed = parseDateTime(once);
    if (parsed === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['once'],
        message: `expected a date and time like 2026-12-24T10:00:00, got ${JSON.stringify(once)}`,
      });
      return z.NEVER;
    }
    if (parsed.offset === undefined && timezone === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['timezone'],
        message: `${once} is a local time: give its timezone, or write the offset (${once}+01:00)`,
      });
      return z.NEVER;
    }
    const at = parsed.offset === undefined ? timeZone(timezone as string).toInstant(parsed.wall) : parsed.wall - parsed.offset;
    return { kind: 'once', once, ...(timezone === undefined ? {} : { timezone }), at, startingDeadline };
  });

const dateSchema = z.string({ error: 'expected a date like 2026-12-21' }).refine((text) => parseDate(text) !== undefined, {
  error: (issue) => `expected a date like 2026-12-21, got ${JSON.stringify(issue.input)}`,
});

const monthDaySchema = z
  .string({ error: 'expected a month and day in quotes, like "12-24"' })
  .refine((text) => parseMonthDay(text) !== undefined, {
    error: (issue) => `expected a month and day like "12-24", got ${JSON.stringify(issue.input)}`,
  });

const hoursSchema = z
  .strictObject({ from: timeOfDaySchema, to: timeOfDaySchema })
  .superRefine((hours, ctx) => ordered(hours, ctx, 'the blackout'))
  .describe('only these hours of each day it covers');

export const blackoutSchema = z
  .strictObject({
    name: z.string().min(1).max(200).describe('named in the log of every launch it skips'),
    timezone: timeZoneSchema,
    from: dateSchema.optional().describe('first day (inclusive)'),
    to: dateSchema.optional().describe('last day (inclusive; default: `from`)'),
    days: daysSchema.optional().describe('every week on these days'),
    yearly: z
      .strictObject({ from: monthDaySchema, to: monthDaySchema })
      .optional()
      .describe('every year from "MM-DD" to "MM-DD" (inclusive; "12-24" to "01-02" spans the new year)'),
    hours: hoursSchema.optional(),
  })
  .transform((input, ctx): Blackout => {
    const { name, timezone, hours } = input;
    const common = { name, timezone, ...(hours === undefined ? {} : { hours }) };
    const kinds = [input.from !== undefined || input.to !== undefined, input.days !== undefined, input.yearly !== undefined];
    if (kinds.filter(Boolean).length !== 1) {
      ctx.addIssue({ code: 'custom', message: 'a blackout has exactly one of from/to (dates), days (weekly) or yearly' });
      return z.NEVER;
    }
    if (input.days) return { ...common, kind: 'weekly', days: input.days };
    if (input.yearly) return { ...common, kind: 'yearly', yearly: input.yearly };
    if (input.from === undefined) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'a blackout with `to` needs `from`, its first day' });
      return z.NEVER;
    }
    const to = input.to ?? input.from;
    if ((parseDate(to) as number) < (parseDate(input.from) as number)) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `the blackout ends (${to}) before it starts (${input.from})` });
      return z.NEVER;
    }
    return { ...common, kind: 'dates', from: input.from, to };
  });
