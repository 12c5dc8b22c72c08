import { z } from 'zod';
import type { RevertedFault, InjectedFault } from '../engine/executor.js';
import type { ProcessTarget, ResolvedTarget } from '../engine/target.js';

/**
 * The agent's HTTP API, shared by the daemon (src/agent-daemon/http) and the client
 * (src/agent-client/client.ts). Every route needs `Authorization: Bearer <token>`; without a valid one
 * the answer is 401 and nothing changes. Errors are `{ error: { code, message } }`.
 *
 *   GET  /v1/status                             → AgentStatus
 *   POST /v1/runs/:runId/faults                 InjectRequest → 201 InjectResponse
 *   POST /v1/runs/:runId/faults/:faultId/revert → RevertedFault
 *   POST /v1/runs/:runId/lease                  LeaseRequest → LeaseResponse
 *   POST /v1/runs/:runId/end                    EndRunRequest → EndRunResponse
 *   POST /v1/halt                               HaltRequest → HaltResponse
 *   POST /v1/resume                             → { halted: null }
 *   POST /v1/recover                            → RecoverResponse
 *   POST /v1/processes/find                     FindProcessesRequest → { processes }
 *   GET  /v1/proxies                            → { proxies: ProxyInfo[] }
 *   PUT  /v1/proxies/:name                      ProxyRequest → ProxyInfo (201 when created)
 *   DELETE /v1/proxies/:name                    → 204
 *
 * Status codes: 400 malformed body or parameters, 401 token, 404 unknown run/fault, 409 halted
 * (injections refused) or fault already active, 500 anything else.
 */
export const API_PREFIX = '/v1';
export const DEFAULT_LEASE_TTL_MS = 5000;

/** Run and fault ids travel in URLs and tags: short, no separators that could confuse either. */
export const idSchema = z.string().regex(/^[A-Za-z0-9][\w.-]{0,99}$/, 'ids use letters, digits, "_", "-" and ".", at most 100');

const labelsSchema = z.record(z.string(), z.string());
const processMatchSchema = z.strictObject({
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
});
/** What a client sends; the server parses it with injectRequestSchema. */
export type InjectRequest = Omit<z.infer<typeof injectRequestSchema>, 'target'> & { readonly target: ResolvedTarget };
export type InjectResponse = InjectedFault & { readonly leaseExpiresAt: number };

export const leaseRequestSchema = z.strictObject({ ttlMs: z.number().int().min(100).max(3_600_000).optional() });
export type LeaseRequest = z.infer<typeof leaseRequestSchema>;

export const endRunRequestSchema = z.strictObject({ reason: z.string().min(1).max(500) });
export type EndRunRequest = z.infer<typeof endRunRequestSchema>;

/**
 * The run is over (it ended, or it aborts): the agent refuses its injections from now on (409
 * FD_RUN_ENDED) and reverts every fault of it at once, those still being injected included.
 */
export interface EndRunResponse {
  readonly reverted: readonly RevertedRunFault[];
}

export interface HaltState {
  readonly reason: string;
  /** ISO time */
  readonly at: string;
}

/**
 * One lease per run on each agent: renewing it extends every active fault of the run. When it
 * expires the agent reverts them itself. `halted` tells a run that it must abort.
 */
export interface LeaseResponse {
  readonly expiresAt: number;
  readonly halted: HaltState | null;
  /** Faults of the run still active on this agent. */
  readonly active: readonly string[];
  /** Faults of the run the agent reverted because their lease had expired. */
  readonly expired: readonly string[];
}

export const haltRequestSchema = z.strictObject({ reason: z.string().min(1).max(500) });
export type HaltRequest = z.infer<typeof haltRequestSchema>;

export type RevertedRunFault = RevertedFault & { readonly runId: string };

export interface HaltResponse {
  readonly halted: HaltState;
  readonly reverted: readonly RevertedRunFault[];
  /** From the halt request to the last verified revert. */
  readonly latencyMs: number;
}

export interface RecoverResponse {
  /** Open ledger records no live lease owned, reverted and verified. */
  readonly reverted: readonly RevertedRunFault[];
  /** Tagged artefacts no open ledger record owned, removed (descriptions). */
  readonly swept: readonly string[];
}

export const findProcessesRequestSchema = z.strictObject({ match: processMatchSchema.extend({ pid: z.number().int().positive().optional() }) });
export type FindProcessesRequest = z.infer<typeof findProcessesRequestSchema>;
/** Processes on the agent's host the match selects; never Firedrill itself, its ancestors, pid 1 or a stress worker. */
export interface FindProcessesResponse {
  readonly processes: readonly ProcessTarget[];
}

const addressSchema = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}$/, 'expected host:port');

/** A fault proxy the agent must run (and run again after a restart, without toxics). */
export const proxyRequestSchema = z.strictObject({ listen: addressSchema, upstream: addressSchema });
export type ProxyRequest = z.infer<typeof proxyRequestSchema>;

export interface ActiveFaultInfo {
  readonly runId: string;
  readonly faultId: string;
  readonly step: string;
  readonly type: string;
  readonly target: ResolvedTarget;
  readonly injectedAt: number;
  readonly leaseExpiresAt: number;
}

export interface AgentStatus {
  readonly agentId: string;
  readonly version: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly url: string;
  readonly halted: HaltState | null;
  /** Exits after this long without work; null when it stays. */
  readonly idleExitMs: number | null;
  readonly faults: readonly ActiveFaultInfo[];
}

export interface ApiError {
  readonly error: {
    readonly code: string;
    readonly message: string;
    /** On a failed inject (`FD_FAULT_INJECT`): what the agent reverted of it, as FaultInjectError carries. */
    readonly cleanup?: RevertedFault;
  };
}

/**
 * Files of an agent in its state directory (the CLI's `.firedrill` by default).
 * `agent.json` says where a running agent listens; `agent.token` (mode 0600) holds its token.
 */
export const AGENT_FILES = {
  info: 'agent.json',
  token: 'agent.token',
  halt: 'halt.json',
  lock: 'agent.lock',
  log: 'agent.log',
} as const;

export interface AgentInfo {
  readonly pid: number;
  readonly url: string;
  /** Where the Toxiproxy-compatible API is served, when it is. */
  readonly toxiproxyUrl?: string;
  readonly startedAt: string;
  readonly version: string;
}
