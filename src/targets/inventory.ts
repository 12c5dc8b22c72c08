import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { issuesToProblems } from '../experiment/issues.js';
import { readText } from '../experiment/load.js';
import { YamlSource } from '../experiment/yaml-source.js';
import type { ProcessMatch, StartCommand } from '../engine/target.js';

export const INVENTORY_FILE = 'firedrill.inventory.yaml';

const matchSchema = z
  .strictObject({
    name: z.string().min(1).optional().describe('exact process name or basename of argv[0]'),
    cmdline: z.string().min(1).optional().describe('regular expression tested against the command line'),
    pidFile: z.string().min(1).optional().describe('file holding the pid'),
  })
  .refine((m) => m.name !== undefined || m.cmdline !== undefined || m.pidFile !== undefined, { message: 'a process match needs name, cmdline or pidFile' });

const serviceSchema = z.strictObject({
  description: z.string().optional(),
  labels: z.record(z.string(), z.string()).default({}).describe('e.g. dc: a, role: replica'),
  process: matchSchema.describe('how to find the service process'),
  start: z
    .strictObject({
      command: z.array(z.string()).min(1).describe('argument array, never a shell line'),
      cwd: z.string().optional().describe('relative to the inventory file'),
      env: z.record(z.string(), z.string()).optional(),
      log: z.string().optional().describe('file for the output of a (re)started service'),
    })
    .optional()
    .describe('how to start the service again (process-restart, process-kill with restart)'),
  endpoints: z.record(z.string(), z.string()).default({}).describe('named addresses, e.g. http: http://127.0.0.1:8081'),
});

export const inventorySchema = z.strictObject({
  version: z.literal(1).default(1),
  services: z.record(z.string().regex(/^[A-Za-z][\w.-]*$/), serviceSchema).default({}),
});

export interface InventoryService {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly match: ProcessMatch;
  readonly start?: StartCommand;
  readonly endpoints: Readonly<Record<string, string>>;
}

export interface Inventory {
  readonly file: string;
  readonly services: ReadonlyMap<string, InventoryService>;
}

/** Loads and validates an inventory; relative paths are taken from the file's directory. */
export function loadInventory(file: string): Inventory {
  const parsed = YamlSource.parse(file, readText(file, 'inventory'));
  if (!parsed.source) throw new ValidationError(parsed.problems);
  const result = inventorySchema.safeParse(parsed.data ?? {});
  if (!result.success) throw new ValidationError(issuesToProblems(result.error.issues, parsed.source, inventorySchema, parsed.data));
  const base = dirname(resolve(file));
  const services = new Map<string, InventoryService>();
  for (const [name, service] of Object.entries(result.data.services)) {
    const match: ProcessMatch = { ...service.process, ...(service.process.pidFile ? { pidFile: resolve(base, service.process.pidFile) } : {}) };
    const start: StartCommand | undefined = service.start && {
      command: service.start.command,
      cwd: resolve(base, service.start.cwd ?? '.'),
      ...(service.start.env ? { env: service.start.env } : {}),
      ...(service.start.log ? { log: resolve(base, service.start.log) } : {}),
    };
    services.set(name, { name, labels: service.labels, match, ...(start ? { start } : {}), endpoints: service.endpoints });
  }
  return { file, services };
}

/**
 * The inventory to use: the one given, else `firedrill.inventory.yaml` next to the experiment,
 * else in the working directory. Undefined when there is none.
 */
export function findInventory(explicit: string | undefined, experimentFile: string, cwd = process.cwd()): string | undefined {
  if (explicit) return explicit;
  for (const dir of [dirname(resolve(experimentFile)), cwd]) {
    const candidate = resolve(dir, INVENTORY_FILE);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}
