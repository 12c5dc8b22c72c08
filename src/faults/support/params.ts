import { z } from 'zod';
import { durationTooLong, MAX_DURATION_MS, parseDuration } from '../../util/duration.js';

/**
 * Parameter pieces shared by fault schemas. Parsed values are plain JSON (numbers of ms and
 * bytes) because the ledger stores them and crash recovery uses them without re-parsing.
 */

export const SIGNALS = ['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGABRT', 'SIGUSR1', 'SIGUSR2'] as const;

/**
 * Milliseconds as a number, or a duration string with its unit: `250ms`, `5s`, `2m`, `1h`; at
 * most 7 days (MAX_DURATION_MS), since timers cannot hold much longer.
 */
export function durationMs(): z.ZodType<number, number | string> {
  return z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
    // A bare number in a string would be read as seconds by parseDuration while a bare number
    // means milliseconds here: insist on a unit rather than guess.
    const withUnit = typeof value === 'string' && /^\s*\d+(?:\.\d+)?\s*(ms|s|m|h)\s*$/.test(value);
    if (typeof value === 'string' && !withUnit) {
      ctx.issues.push({ code: 'custom', input: value, message: `expected milliseconds or a duration like 500ms, 5s, 2m, got "${value}"` });
      return z.NEVER;
    }
    const ms = typeof value === 'number' ? value : parseDuration(value);
    const tooLong = durationTooLong(ms, value, MAX_DURATION_MS);
    if (tooLong !== undefined) {
      ctx.issues.push({ code: 'custom', input: value, message: tooLong });
      return z.NEVER;
    }
    return Math.round(ms as number);
  });
}

const UNITS: Record<string, number> = {
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  ki: 2 ** 10,
  kib: 2 ** 10,
  mi: 2 ** 20,
  mib: 2 ** 20,
  gi: 2 ** 30,
  gib: 2 ** 30,
  ti: 2 ** 40,
  tib: 2 ** 40,
};
const SIZE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/** `512MiB`, `1GiB`, `10MB`, `4096` (bytes) into bytes; undefined when not a size (or too large to count). */
export function parseSize(value: string): number | undefined {
  const match = SIZE.exec(value.trim());
  if (!match) return undefined;
  const suffix = (match[2] ?? '').toLowerCase() || 'b';
  if (!Object.hasOwn(UNITS, suffix)) return undefined;
  const bytes = Math.floor(Number(match[1]) * (UNITS[suffix] as number));
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

export const MIB = 2 ** 20;

/** Bytes as a number, or a size string: `512MiB`, `1GiB`, `10MB`. */
export function byteSize(): z.ZodType<number, number | string> {
  return z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
    const bytes = typeof value === 'number' ? value : parseSize(value);
    if (bytes === undefined) {
      ctx.issues.push({ code: 'custom', input: value, message: `expected bytes or a size like 512MiB, 1GiB, got "${value}"` });
      return z.NEVER;
    }
    return bytes;
  });
}

/** The hard upper bound on a worker's life; see `workerDeadline`. */
export function maxDurationParam() {
  return durationMs()
    .optional()
    .describe(
      'Hard upper bound on the fault, enforced by the workers themselves even if Firedrill dies: ' +
        "default the step's duration plus one minute, or 1h when the duration is not known.",
    );
}
