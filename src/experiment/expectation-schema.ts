import { z } from 'zod';
import { durationSchema, nameSchema } from './basic-schema.js';
import { regexSchema } from './tolerance-schema.js';

/**
 * Expectations: what must happen, and by when, once the drill's clock starts (its first
 * injection, or the run's start): "an alert named X fires within 3m", "the on-call declares it
 * contained within 15m". Each names one matcher; the engine watches them (src/engine/expectations.ts)
 * with the matchers of src/expectations/, one file each.
 *
 * @example
 *   expectations:
 *     - { name: slo-alert, within: 3m, alert: { labels: { alertname: CatalogErrors } } }
 *     - { within: 2m, prometheus: { url: http://127.0.0.1:9090, query: 'ALERTS{alertstate="firing"}' } }
 *     - { within: 1m, log: { file: /var/log/gateway.log, regex: 'upstream .* marked down' } }
 *     - { within: 15m, manual: { declare: contained } }
 *     - { within: 5m, never: true, alert: { labels: { severity: page } } }   # no page for this one
 */

/** A label or annotation value: equal to a string, or matching `{ regex }` (anchored at neither end). */
const valueMatcherSchema = z.union([z.string(), z.strictObject({ regex: regexSchema })]);

export const alertMatcherSchema = z.strictObject({
  source: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/)
    .optional()
    .describe('the receiver it came through (/api/v1/alerts/SOURCE); any when absent'),
  labels: z.record(z.string(), valueMatcherSchema).default({}).describe('every label named must match (alertname: X is the alert name)'),
  annotations: z.record(z.string(), valueMatcherSchema).default({}).describe('every annotation named must match'),
  status: z.enum(['firing', 'resolved']).default('firing'),
});

export const prometheusMatcherSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected the http:// or https:// URL of a Prometheus server' }),
  query: z.string().min(1).describe('PromQL: met once the query returns a sample (an alert firing: ALERTS{alertname="X"})'),
  every: durationSchema.default(1000).describe('how often the query is evaluated'),
});

export const logMatcherSchema = z
  .strictObject({
    file: z.string().min(1).optional().describe('a file read from where it ended when the clock started (it may grow or be rotated)'),
    command: z
      .array(z.string())
      .min(1)
      .optional()
      .describe('a command run every `every` (an argument list, no shell), its output searched'),
    regex: regexSchema.describe('a line matching it'),
    every: durationSchema.default(1000),
  })
  .refine((log) => (log.file === undefined) !== (log.command === undefined), { message: 'a log matcher reads either a file or a command' });

export const DECLARATIONS = ['detected', 'acknowledged', 'diagnosed', 'contained', 'recovered'] as const;

export const manualMatcherSchema = z.strictObject({
  declare: z.enum(DECLARATIONS).describe('what a responder declares in the console'),
});

export const EXPECTATION_KINDS = ['alert', 'prometheus', 'log', 'manual'] as const;
export type ExpectationKind = (typeof EXPECTATION_KINDS)[number];

export const expectationSchema = z
  .strictObject({
    name: nameSchema.optional(),
    within: durationSchema.describe('the deadline, from when the clock starts'),
    from: z.enum(['injection', 'start']).default('injection').describe("the clock starts at the first fault injected, or the run's start"),
    never: z.boolean().default(false).describe('met when it does NOT happen within the deadline ("no page must fire")'),
    grace: durationSchema.default(0).describe('how long past the deadline the run still waits for it (then it is late, not missed)'),
    alert: alertMatcherSchema.optional(),
    prometheus: prometheusMatcherSchema.optional(),
    log: logMatcherSchema.optional(),
    manual: manualMatcherSchema.optional(),
  })
  .superRefine((expectation, ctx) => {
    const kinds = EXPECTATION_KINDS.filter((kind) => expectation[kind] !== undefined);
    if (kinds.length !== 1)
      ctx.addIssue({ code: 'custom', message: `an expectation names exactly one matcher: ${EXPECTATION_KINDS.join(', ')}` });
  });

export type Expectation = z.output<typeof expectationSchema>;
export type AlertMatcher = z.output<typeof alertMatcherSchema>;
export type PrometheusMatcher = z.output<typeof prometheusMatcherSchema>;
export type LogMatcher = z.output<typeof logMatcherSchema>;
export type ManualMatcher = z.output<typeof manualMatcherSchema>;
export type Declaration = (typeof DECLARATIONS)[number];

/** The matcher an expectation names. */
export function expectationKind(expectation: Expectation): ExpectationKind {
  return EXPECTATION_KINDS.find((kind) => expectation[kind] !== undefined) ?? 'manual';
}
