import type { Context } from 'hono';
import type { z } from 'zod';
import { parseJsonBody } from '../util/json-body.js';

/** Parses a JSON body against its schema; problems become one 400 naming each field. */
export async function readJson<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  return parseJsonBody(await c.req.text(), schema);
}
