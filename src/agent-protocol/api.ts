import type { z } from 'zod';
import type { RevertedFault, InjectedFault } from '../engine/executor.js';
import type { Verification } from '../engine/fault.js';
import type { ProcessTarget, ResolvedTarget } from '../engine/target.js';
import type {
  endRunRequestSchema,
  findProcessesRequestSchema,
  haltRequestSchema,
  injectRequestSchema,
  leaseRequestSchema,
  proxyRequestSchema,
} from './request-schemas.js';

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

/** What a client sends; the daemon parses it with injectRequestSchema (request-schemas.ts). */
export type InjectRequest = Omit<z.infer<typeof injectRequestSchema>, 'target'> & { readonly target: ResolvedTarget };
export type InjectResponse = InjectedFault & { readonly leaseExpiresAt: number };

export type LeaseRequest = z.infer<typeof leaseRequestSchema>;

export type EndRunRequest = z.infer<typeof endRunRequestSchema>;

/**
 * The run is over (it ended, or it aborts): the agent refuses its injections from now on (409
 * FD_RUN_ENDED) and reverts every fault of it at once, those still being injected included.
 */
export interface EndRunResponse {
  readonly reverted: readonly RevertedRunFault[];
}

/** Whether a live fault was contained by the defenders; null when its kind has no such check. */
export interface ContainedResponse {
  readonly contained: Verification | null;
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
  /** Faults of the run the agent reverted by itself: their lease expired, or its crash recovery reverted them. */
  readonly expired: readonly string[];
}

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

export type FindProcessesRequest = z.infer<typeof findProcessesRequestSchema>;
/** Processes on the agent's host the match selects; never Firedrill itself, its ancestors, pid 1 or a stress worker. */
export interface FindProcessesResponse {
  readonly processes: readonly ProcessTarget[];
}

/** A fault proxy the agent must run (and run again after a restart, without toxics). */
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
  /** Held by the `firedrill agent` process that supervises the worker (agent.lock is the worker's). */
  supervisorLock: 'supervisor.lock',
  log: 'agent.log',
} as const;

export interface AgentInfo {
  /** The worker: the process that runs the faults and holds the ledger. */
  readonly pid: number;
  /** The process that restarts the worker when it dies and hosts the fault proxies. */
  readonly supervisorPid?: number;
  readonly url: string;
  /** Where the Toxiproxy-compatible API is served, when it is. */
  readonly toxiproxyUrl?: string;
  readonly startedAt: string;
  readonly version: string;
}
