import { z } from 'zod';

/** setTimeout overflows above 2^31-1 ms and then fires at once; a day is longer than any drill. */
const MAX_MS = 86_400_000;

export const milliseconds = () =>
  z
    .number({ error: 'must be a number of milliseconds' })
    .min(0, { error: 'must be 0 or more milliseconds' })
    .max(MAX_MS, { error: `must be at most ${MAX_MS} ms (a day)` });

export const byteCount = (minimum: number) =>
  z
    .number({ error: 'must be a whole number of bytes' })
    .int({ error: 'must be a whole number of bytes' })
    .min(minimum, { error: `must be ${minimum} or more bytes` })
    .max(Number.MAX_SAFE_INTEGER, { error: 'is too large' });

export const percent = () =>
  z
    .number({ error: 'must be a percentage' })
    .min(0, { error: 'must be between 0 and 100' })
    .max(100, { error: 'must be between 0 and 100' });

export const httpMatch = () =>
  z
    .strictObject({
      method: z
        .string()
        .regex(/^[A-Za-z]+$/, { error: 'must be an HTTP method such as GET' })
        .optional(),
      pathPrefix: z.string().startsWith('/', { error: 'must start with /' }).optional(),
      headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'must be a header name' }), z.string()).optional(),
    })
    .default({});
