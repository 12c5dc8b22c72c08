import type { Context } from 'hono';
import type { z } from 'zod';
import { UserError } from '../../errors.js';
import { parseJsonBody } from '../../util/json-body.js';
import { idSchema } from '../../agent-protocol/request-schemas.js';

/**
 * Parses a JSON body against its schema; problems become one 400 naming each field
 * (`target.pid: expected number`). An empty body reads as `{}` (POST /v1/resume has none).
 */
export async function readBody<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  return parseJsonBody(await c.req.text(), schema);
}

/** A run or fault id from the path, checked like the body's ids. */
export function pathId(c: Context, name: 'runId' | 'faultId'): string {
  const value = c.req.param(name) ?? '';
  const parsed = idSchema.safeParse(value);
  if (!parsed.success) throw new UserError('FD_INVALID_ID', `${name}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}
