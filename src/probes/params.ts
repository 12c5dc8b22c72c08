import { z } from 'zod';
import { durationTooLong, looksLikeDuration, parseDuration } from '../util/duration.js';

/**
 * A duration parameter: `250ms`, `2s`, `1m` or a number of seconds in the file, milliseconds
 * after parsing. `prefault` (not `default`) so the default goes through the same parsing and
 * the JSON Schema (generated with `io: 'input'`) shows it as users write it.
 */
export function duration(fallback: string, description: string) {
  return z
    .union([z.string(), z.number()])
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if ((ms === undefined && !looksLikeDuration(value)) || ms === 0) {
        const message = `expected a positive duration such as 250ms, 2s or a number of seconds, got ${JSON.stringify(value)}`;
        ctx.issues.push({ code: 'custom', message, input: value });
        return z.NEVER;
      }
      // Timers cannot hold much longer than the bound (see MAX_DURATION_MS).
      const tooLong = durationTooLong(ms, value);
      if (tooLong !== undefined) {
        ctx.issues.push({ code: 'custom', message: tooLong, input: value });
        return z.NEVER;
      }
      return ms as number;
    })
    .prefault(fallback)
    .describe(`${description} (e.g. 250ms, 2s, or a number of seconds; default ${fallback})`);
}

export function port(description: string) {
  return z.int().min(1).max(65_535).describe(description);
}

/** Rounds a latency to 0.01 ms: finer digits are clock noise and only clutter the journal. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
