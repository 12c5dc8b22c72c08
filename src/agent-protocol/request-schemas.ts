import { z } from 'zod';

/**
 * The zod schemas the agent daemon parses requests with (api.ts has the types and the routes).
 * Apart from api.ts so that a controller, which only sends requests, never builds them: zod
 * schemas cost start-up time on every `firedrill run`.
 */

/** Run and fault ids travel in URLs and tags: short, no separators that could confuse either. */
export const idSchema = z.string().regex(/^[A-Za-z0-9][\w.-]{0,99}$/, 'ids use letters, digits, "_", "-" and ".", at most 100');

const labelsSchema = z.record(z.string(), z.string());
export const processMatchSchema = z.strictObject({
  name: z.string().optional(),
  cmdline: z.string().optional(),
  pidFile: z.string().optional(),
});
const startSchema = z.strictObject({
  command: z.array(z.string()).min(1),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
  log: z.string().optional(),
});

export const targetSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('process'),
    pid: z.number().int().positive(),
    name: z.string(),
    cmdline: z.string(),
    service: z.string().optional(),
    labels: labelsSchema.optional(),
    match: processMatchSchema.optional(),
    start: startSchema.optional(),
    agent: z.string().optional(),
  }),
  z.strictObject({ kind: z.literal('host'), name: z.string(), labels: labelsSchema.optional(), agent: z.string().optional() }),
  z.strictObject({
    kind: z.literal('proxy'),
    name: z.string(),
    listen: z.string(),
    upstream: z.string(),
    labels: labelsSchema.optional(),
    agent: z.string().optional(),
  }),
]);

export const injectRequestSchema = z.strictObject({
  faultId: idSchema,
  step: z.string().max(200),
  type: z.string().max(100),
  target: targetSchema,
  params: z.record(z.string(), z.unknown()),
  durationMs: z.number().nonnegative().optional(),
  /** The lease of the run's faults; renewed by LeaseRequest, default DEFAULT_LEASE_TTL_MS. */
  leaseTtlMs: z.number().int().min(100).max(3_600_000).optional(),
  /** Values of the run's secret variables found in params or target: the agent acts on them, never writes them (ledger, log). */
  secrets: z.array(z.string().min(1).max(4096)).max(100).optional(),
});

export const leaseRequestSchema = z.strictObject({ ttlMs: z.number().int().min(100).max(3_600_000).optional() });

export const endRunRequestSchema = z.strictObject({ reason: z.string().min(1).max(500) });

export const haltRequestSchema = z.strictObject({ reason: z.string().min(1).max(500) });

const addressSchema = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}$/, 'expected host:port');

export const findProcessesRequestSchema = z.strictObject({
  match: processMatchSchema.extend({ pid: z.number().int().positive().optional() }),
});

export const proxyRequestSchema = z.strictObject({ listen: addressSchema, upstream: addressSchema });
