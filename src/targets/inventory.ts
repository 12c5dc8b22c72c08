import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { issuesToProblems } from '../experiment/issues.js';
import { readText } from '../experiment/load.js';
import { YamlSource } from '../experiment/yaml-source.js';
import type { ProcessMatch, ProxyTarget, StartCommand } from '../engine/target.js';

export const INVENTORY_FILE = 'firedrill.inventory.yaml';

const matchSchema = z
  .strictObject({
    name: z.string().min(1).optional().describe('exact process name or basename of argv[0]'),
    cmdline: z.string().min(1).optional().describe('regular expression tested against the command line'),
    pidFile: z.string().min(1).optional().describe('file holding the pid'),
  })
  .refine((m) => m.name !== undefined || m.cmdline !== undefined || m.pidFile !== undefined, {
    message: 'a process match needs name, cmdline or pidFile',
  });

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
  agent: z.string().optional().describe('the agent (under agents:) of the host the service runs on; this machine when absent'),
});

const agentSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).describe('where the agent listens, e.g. https://10.0.0.2:7420'),
    tokenFile: z.string().optional().describe("file holding the agent's token (its agent.token)"),
    tokenEnv: z.string().optional().describe("environment variable holding the agent's token"),
    ca: z.string().optional().describe("PEM file of the CA that signed the agent's TLS certificate"),
  })
  .refine((a) => (a.tokenFile === undefined) !== (a.tokenEnv === undefined), {
    message: 'an agent needs exactly one of tokenFile and tokenEnv',
  });

const NAME = /^[A-Za-z][\w.-]*$/;
const ADDRESS = /^(\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}$/;

const proxySchema = z.strictObject({
  description: z.string().optional(),
  listen: z
    .string()
    .regex(ADDRESS, 'expected host:port')
    .describe('where the proxy listens: services talk to this address instead of the upstream'),
  upstream: z.string().regex(ADDRESS, 'expected host:port').describe('where it forwards to'),
  labels: z.record(z.string(), z.string()).default({}).describe('e.g. link: orders-db, dc: a'),
  agent: z.string().optional().describe('the agent (under agents:) that runs the proxy; this machine when absent'),
});

export const inventorySchema = z
  .strictObject({
    version: z.literal(1).default(1),
    agents: z.record(z.string().regex(NAME), agentSchema).default({}).describe("agents on other hosts; `local` is this machine's"),
    services: z.record(z.string().regex(NAME), serviceSchema).default({}),
    proxies: z.record(z.string().regex(NAME), proxySchema).default({}).describe('fault proxies in front of links between services'),
  })
  .superRefine((inventory, ctx) => {
    // Own keys only: an agent named `constructor` is not Object's.
    if (Object.hasOwn(inventory.agents, 'local'))
      ctx.addIssue({ code: 'custom', path: ['agents', 'local'], message: '"local" is the name of this machine\'s own agent' });
    const sections: [string, Record<string, { agent?: string | undefined }>][] = [
      ['services', inventory.services],
      ['proxies', inventory.proxies],
    ];
    for (const [section, entries] of sections) {
      for (const [name, entry] of Object.entries(entries)) {
        if (entry.agent !== undefined && entry.agent !== 'local' && !Object.hasOwn(inventory.agents, entry.agent)) {
          ctx.addIssue({ code: 'custom', path: [section, name, 'agent'], message: `no agent "${entry.agent}" under agents:` });
        }
      }
    }
  });

export interface InventoryService {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly match: ProcessMatch;
  readonly start?: StartCommand;
  readonly endpoints: Readonly<Record<string, string>>;
  /** Undefined for this machine. */
  readonly agent?: string;
}

export interface InventoryAgent {
  readonly name: string;
  readonly url: string;
  readonly tokenFile?: string;
  readonly tokenEnv?: string;
  readonly ca?: string;
}

export interface Inventory {
  readonly file: string;
  readonly services: ReadonlyMap<string, InventoryService>;
  readonly agents: ReadonlyMap<string, InventoryAgent>;
  readonly proxies: ReadonlyMap<string, ProxyTarget>;
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
    const agent = service.agent === 'local' ? undefined : service.agent;
    // Paths of a service on another host are that host's paths: only local ones are resolved here.
    const path = (p: string) => (agent === undefined ? resolve(base, p) : p);
    const match: ProcessMatch = { ...service.process, ...(service.process.pidFile ? { pidFile: path(service.process.pidFile) } : {}) };
    const start: StartCommand | undefined = service.start && {
      command: service.start.command,
      ...(service.start.cwd !== undefined || agent === undefined ? { cwd: path(service.start.cwd ?? '.') } : {}),
      ...(service.start.env ? { env: service.start.env } : {}),
      ...(service.start.log ? { log: path(service.start.log) } : {}),
    };
    services.set(name, {
      name,
      labels: service.labels,
      match,
      ...(start ? { start } : {}),
      endpoints: service.endpoints,
      ...(agent ? { agent } : {}),
    });
  }
  const agents = new Map<string, InventoryAgent>();
  for (const [name, agent] of Object.entries(result.data.agents)) {
    agents.set(name, {
      name,
      url: agent.url,
      ...(agent.tokenFile ? { tokenFile: resolve(base, agent.tokenFile) } : {}),
      ...(agent.tokenEnv ? { tokenEnv: agent.tokenEnv } : {}),
      ...(agent.ca ? { ca: resolve(base, agent.ca) } : {}),
    });
  }
  const proxies = new Map<string, ProxyTarget>();
  for (const [name, proxy] of Object.entries(result.data.proxies)) {
    const agent = proxy.agent === 'local' ? undefined : proxy.agent;
    proxies.set(name, {
      kind: 'proxy',
      name,
      listen: proxy.listen,
      upstream: proxy.upstream,
      labels: proxy.labels,
      ...(agent ? { agent } : {}),
    });
  }
  return { file, services, agents, proxies };
}

/**
 * The inventory to use: the one given, else the first `firedrill.inventory.yaml` found in the
 * directories given (next to the experiment, then the working directory). Undefined if none.
 */
export function findInventory(explicit: string | undefined, dirs: readonly string[]): string | undefined {
  if (explicit) return explicit;
  for (const dir of dirs) {
    const candidate = resolve(dir, INVENTORY_FILE);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}
