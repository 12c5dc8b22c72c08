import { z } from 'zod';
import type { ProbeType } from '../engine/probe.js';
import { duration, port } from './params.js';

export const postgresRestoreParams = z
  .strictObject({
    source: z
      .strictObject({
        host: z
          .string()
          .min(1)
          .default('127.0.0.1')
          .describe('Host of the database to back up (default 127.0.0.1), or a unix socket directory.'),
        port: port('Port of the database to back up.'),
        user: z
          .string()
          .min(1)
          .default('postgres')
          .describe('User to connect as (default postgres); the connection must not need a password.'),
        database: z.string().min(1).default('postgres').describe('Database to dump and compare (default postgres).'),
      })
      .describe('The database whose backup is drilled.'),
    dump: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Restore this plain or custom-format dump instead of taking a fresh one; compared with the source as its Firedrill header recorded it, else with the live source.',
      ),
    keepDump: z.string().min(1).optional().describe('Write the fresh dump to this file (default: a temporary file, deleted afterwards).'),
    tables: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Tables to compare, e.g. [orders, audit.events] (default: every user table of the source).'),
    timeout: duration('120s', 'Time allowed for the whole drill: dump, scratch cluster, restore and comparison'),
  })
  .refine((params) => params.dump === undefined || params.keepDump === undefined, {
    message: 'keepDump applies to a fresh dump; it cannot be given with dump',
    path: ['keepDump'],
  });
export type PostgresRestoreParams = z.output<typeof postgresRestoreParams>;

/**
 * The backup drill: is the backup real? Dumps the source (pg_dump from one snapshot), restores
 * it into a scratch PostgreSQL cluster made for the purpose, compares row counts and checksums
 * of every table with the source, and removes the scratch cluster whatever happens.
 */
export const postgresRestoreProbe: ProbeType<PostgresRestoreParams> = {
  name: 'postgres-restore',
  summary:
    'Dumps a PostgreSQL database (or takes a dump), restores it into a scratch cluster and compares row counts and checksums per table.',
  params: postgresRestoreParams,
  fields: ['ok', 'differences', 'tables', 'dumpBytes', 'restoreMs', 'comparedWith'],
  defaultField: 'ok',
  defaultTolerance: true,

  async run(params, ctx) {
    // Loaded on use: pg and the cluster code are not needed to validate or run other probes.
    const { verifyRestore } = await import('../postgres/restore-check.js');
    const result = await verifyRestore({
      source: params.source,
      ...(params.dump !== undefined ? { dump: params.dump } : {}),
      ...(params.keepDump !== undefined ? { keepDump: params.keepDump } : {}),
      ...(params.tables !== undefined ? { tables: params.tables } : {}),
      timeoutMs: params.timeout,
      signal: ctx.signal,
    });
    return { ...result };
  },
};
