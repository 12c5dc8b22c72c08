import type { z } from 'zod';
import { UserError, errorMessage } from '../errors.js';

/**
 * Parses a request body's JSON text against its schema: empty reads as `{}`; bad JSON or a
 * mismatch is one UserError naming each field (`target.pid: expected number`), the first 20.
 */
export function parseJsonBody<T>(text: string, schema: z.ZodType<T>): T {
  let raw: unknown = {};
  if (text.trim() !== '') {
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new UserError('FD_INVALID_BODY', `the body is not valid JSON: ${errorMessage(error)}`);
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(body)'}: ${issue.message}`);
    throw new UserError('FD_INVALID_BODY', problems.slice(0, 20).join('; '));
  }
  return parsed.data;
}
