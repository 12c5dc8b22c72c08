import { z } from 'zod';

/**
 * Tolerances judge a probe's output. Accepted shapes (all documented in docs/experiments.md):
 *
 *   tolerance: 200                          equality on the probe's default field
 *   tolerance: [200, 204]                   one of, on the default field
 *   tolerance: { between: [200, 299] }      a matcher on the default field
 *   tolerance:                              matchers per field, all must hold
 *     status: 200
 *     latencyMs: { lt: 300 }
 *     body: { regex: "ok" }
 *     jsonPath:
 *       $.db.status: up
 *       $.items.length: { gte: 1 }
 */
export const scalarSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const MATCHER_KEYWORDS = ['equals', 'oneOf', 'lt', 'lte', 'gt', 'gte', '<', '<=', '>', '>=', 'between', 'regex'] as const;
export type MatcherKeyword = (typeof MATCHER_KEYWORDS)[number];

export const regexSchema = z.string().refine(
  (source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

export const matcherObjectSchema = z
  .strictObject({
    equals: z.unknown().optional(),
    oneOf: z.array(z.unknown()).min(1).optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    '<': z.number().optional(),
    '<=': z.number().optional(),
    '>': z.number().optional(),
    '>=': z.number().optional(),
    between: z
      .tuple([z.number(), z.number()])
      .refine(([low, high]) => low <= high, { message: 'between needs [low, high] with low <= high' })
      .optional(),
    regex: regexSchema.optional(),
  })
  .refine((matcher) => Object.keys(matcher).length > 0, { message: `a matcher needs one of ${MATCHER_KEYWORDS.join(', ')}` });

export const matcherSchema = z.union([scalarSchema, matcherObjectSchema]);
export type MatcherSpec = z.infer<typeof matcherSchema>;

export const toleranceSchema = z.union([
  scalarSchema,
  z.array(scalarSchema).min(1),
  // A matcher on the default field. Without this branch `{ between: [200, 299] }` and
  // `{ oneOf: [...] }` were rejected: their array values fit neither record branch below.
  matcherObjectSchema,
  z.record(z.string(), z.union([matcherSchema, z.record(z.string(), matcherSchema)])),
]);
export type ToleranceSpec = z.infer<typeof toleranceSchema>;
