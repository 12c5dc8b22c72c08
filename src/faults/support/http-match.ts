import { z } from 'zod';
import type { HttpMatch } from '../../proxy/api.js';

/** Which requests an HTTP fault applies to; every given field must match. */
export const httpMatchParams = {
  method: z
    .string()
    .regex(/^[A-Za-z]+$/)
    .optional()
    .describe('only requests with this method (GET, POST…)'),
  pathPrefix: z.string().startsWith('/').optional().describe('only requests whose path starts with this'),
  headers: z.record(z.string(), z.string()).optional().describe('only requests carrying these headers with these exact values'),
};

export function matchOf(params: {
  method?: string | undefined;
  pathPrefix?: string | undefined;
  headers?: Record<string, string> | undefined;
}): HttpMatch {
  return {
    ...(params.method !== undefined ? { method: params.method.toUpperCase() } : {}),
    ...(params.pathPrefix !== undefined ? { pathPrefix: params.pathPrefix } : {}),
    ...(params.headers !== undefined ? { headers: params.headers } : {}),
  };
}
