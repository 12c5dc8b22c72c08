import { parseDuration } from '../../util/duration.js';

/**
 * Schedules speak in days and weeks (`minGap: 1d`, `mean: 1w`) as well as the units every other
 * duration of Firedrill accepts (`250ms`, `5s`, `2m`, `1h`, a number of seconds): this adds `d`
 * and `w` to src/util/duration.ts, for schedules only.
 */
const LONG = /^(\d+(?:\.\d+)?)\s*(d|w)$/;
const LONG_UNIT_MS: Record<string, number> = { d: 86_400_000, w: 604_800_000 };

/** Milliseconds, or undefined when the value is not a duration (or is negative). */
export function parseScheduleDuration(value: unknown): number | undefined {
  const match = typeof value === 'string' ? LONG.exec(value.trim()) : null;
  if (!match) return parseDuration(value);
  const ms = Number(match[1]) * (LONG_UNIT_MS[match[2] as string] as number);
  return Number.isFinite(ms) ? ms : undefined;
}

/** `2d`, `1w`, `18h`, `1h30m`, `18h1s`: a duration as a person writes it (parts of zero left out). */
export function formatScheduleDuration(ms: number): string {
  const units: [string, number][] = [
    ['w', 604_800_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  let rest = Math.round(ms);
  let text = '';
  for (const [unit, size] of units) {
    if (rest >= size) text += `${Math.floor(rest / size)}${unit}`;
    rest %= size;
  }
  return text || '0s';
}
