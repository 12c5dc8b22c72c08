import { z } from 'zod';
import { durationTooLong, looksLikeDuration, MAX_DURATION_TEXT, parseDuration } from '../util/duration.js';

// The small schemas every part of the experiment format uses (schema.ts, expectation-schema.ts).

/** Names of target sets, steps, variables; short enough for the agent's ledger (200 characters). */
export const nameSchema = z
  .string()
  .regex(/^[A-Za-z][\w-]*$/, 'use letters, digits, "-" and "_", starting with a letter')
  .max(100);

/** `250ms`, `1.5s`, `2m`, `1h`, or a number of seconds; parsed to milliseconds, at most 7 days. */
export const durationSchema = z
  .union([z.number(), z.string()])
  .describe(`a duration: "250ms", "5s", "2m", "1h", or a number of seconds; at most ${MAX_DURATION_TEXT}`)
  .transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined && !looksLikeDuration(value)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration like 500ms, 5s or 2m (or a number of seconds, not negative), got ${JSON.stringify(value)}`,
      });
      return z.NEVER;
    }
    const tooLong = durationTooLong(ms, value);
    if (tooLong !== undefined) {
      ctx.addIssue({ code: 'custom', message: tooLong });
      return z.NEVER;
    }
    return ms as number;
  });
