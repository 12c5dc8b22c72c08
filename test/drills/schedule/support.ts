import { blackoutSchema, scheduleSchema } from '../../../src/drills/schedule/schema.js';
import type { Blackout, ScheduleSpec } from '../../../src/drills/schedule/schema.js';

const formats = new Map<string, Intl.DateTimeFormat>();

/** What a zone's clock reads, asked of Intl directly: the oracle the engine is checked against. */
export function wallClock(zone: string, at: number): { date: string; time: string; weekday: string } {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}:${parts.second}`,
    weekday: String(parts.weekday).toLowerCase(),
  };
}

export function schedule(input: unknown): ScheduleSpec {
  return scheduleSchema.parse(input);
}

export function blackout(input: unknown): Blackout {
  return blackoutSchema.parse(input);
}

/** The messages of a schema's refusal, each with its path: `window.allowed.0.to: …`. */
export function refusal(
  input: unknown,
  schema: {
    safeParse(input: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } };
  } = scheduleSchema,
): string[] {
  const result = schema.safeParse(input);
  if (result.success) return [];
  return (result.error?.issues ?? []).map((issue) => `${issue.path.join('.') || '(schedule)'}: ${issue.message}`);
}

export const at = (iso: string): number => Date.parse(iso);
export const iso = (ms: number): string => new Date(ms).toISOString();
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'];
