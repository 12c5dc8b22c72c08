import { errorMessage } from '../errors.js';
import { FaultInjectError } from '../engine/executor.js';
import type { FaultExecutor, FaultRef, FaultRequest, InjectedFault, RevertedFault } from '../engine/executor.js';
import { API_PREFIX, DEFAULT_LEASE_TTL_MS } from '../agent-protocol/api.js';
import type {
  ContainedResponse,
  AgentStatus,
  EndRunRequest,
  EndRunResponse,
  FindProcessesRequest,
  HaltResponse,
  HaltState,
  InjectRequest,
  InjectResponse,
  LeaseResponse,
  ProxyRequest,
  RecoverResponse,
} from '../agent-protocol/api.js';
import { AgentHttp, AgentRequestError } from './http-client.js';
import type { AgentEndpoint } from './http-client.js';
import type { ProcessTarget } from '../engine/target.js';
import type { Verification } from '../engine/fault.js';
import type { ProxyInfo } from '../proxy/api.js';

export interface AgentClientOptions {
  /** The agent's name in messages: `local`, or its inventory name. */
  readonly name: string;
  readonly leaseTtlMs?: number;
  /** The agent says Firedrill is halted: the run must abort. */
  readonly onHalt?: (halt: HaltState) => void;
  /**
   * Renewals failed for longer than the lease: the agent has reverted (or will revert) the
   * run's faults on its own, and the run cannot know what is still active there.
   */
  readonly onLeaseLost?: (message: string) => void;
  /** The run's secret values: each inject tells the agent those its request carries, so it writes them nowhere. */
  readonly secrets?: readonly string[];
}

/**
 * A FaultExecutor on an agent, for one run at a time: it injects and reverts over HTTP and
 * renews the run's lease every TTL/3 while the run has faults there. If this process dies the
 * renewals stop and the agent reverts the faults itself when the lease expires.
 */
export class AgentClient implements FaultExecutor {
  readonly http: AgentHttp;
  private readonly ttlMs: number;
  private readonly runs = new Map<string, { timer: NodeJS.Timeout; lastRenewed: number; renewing: boolean }>();

  constructor(
    endpoint: AgentEndpoint,
    private readonly options: AgentClientOptions,
  ) {
    this.http = new AgentHttp(endpoint);
    this.ttlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  }

  async inject(request: FaultRequest, signal: AbortSignal): Promise<InjectedFault> {
    signal.throwIfAborted();
    const secrets = this.options.secrets?.filter((secret) => carries(request, secret)) ?? [];
    const body: InjectRequest = {
      faultId: request.faultId,
      step: request.step,
      type: request.type,
      target: request.target,
      params: request.params,
      ...(request.durationMs !== undefined ? { durationMs: request.durationMs } : {}),
      leaseTtlMs: this.ttlMs,
      ...(secrets.length > 0 ? { secrets } : {}),
    };
    this.keepLease(request.runId);
    try {
      // An abort takes back a request still queued here; one already sent is ended by endRun.
      const injected = await this.http.post<InjectResponse>(
        `${API_PREFIX}/runs/${encodeURIComponent(request.runId)}/faults`,
        body,
        30_000,
        signal,
      );
      return { faultId: injected.faultId, injectedAt: injected.injectedAt, output: injected.output };
    } catch (error) {
      // A halt refused or ended the injection: the run must abort (not fail) before it hears
      // of the halt at its next lease renewal.
      if (error instanceof AgentRequestError && error.code === 'FD_HALTED') await this.reportHalt();
      // The agent cleaned up what a failed inject touched: keep that in the journal.
      if (error instanceof AgentRequestError && error.body?.cleanup)
        throw new FaultInjectError(error.message, error.body.cleanup, { cause: error });
      throw error;
    }
  }

  revert(fault: FaultRef): Promise<RevertedFault> {
    const path = `${API_PREFIX}/runs/${encodeURIComponent(fault.runId)}/faults/${encodeURIComponent(fault.faultId)}/revert`;
    return this.http.post<RevertedFault>(path);
  }

  /** Whether the defenders contained the fault; null when its kind cannot tell (or the agent is older than the check). */
  async contained(fault: FaultRef): Promise<Verification | null> {
    const path = `${API_PREFIX}/runs/${encodeURIComponent(fault.runId)}/faults/${encodeURIComponent(fault.faultId)}/contained`;
    try {
      return (await this.http.get<ContainedResponse>(path)).contained;
    } catch (error) {
      if (error instanceof AgentRequestError && error.status === 404) return null;
      throw error;
    }
  }

  async endRun(runId: string, reason: string): Promise<void> {
    const body: EndRunRequest = { reason };
    await this.http.post<EndRunResponse>(`${API_PREFIX}/runs/${encodeURIComponent(runId)}/end`, body);
  }

  status(): Promise<AgentStatus> {
    return this.http.get<AgentStatus>(`${API_PREFIX}/status`);
  }

  halt(reason: string): Promise<HaltResponse> {
    return this.http.post<HaltResponse>(`${API_PREFIX}/halt`, { reason });
  }

  resume(): Promise<{ halted: null }> {
    return this.http.post<{ halted: null }>(`${API_PREFIX}/resume`);
  }

  recover(): Promise<RecoverResponse> {
    return this.http.post<RecoverResponse>(`${API_PREFIX}/recover`, {}, 120_000);
  }

  async findProcesses(match: FindProcessesRequest['match']): Promise<ProcessTarget[]> {
    const found = await this.http.post<{ processes: ProcessTarget[] }>(`${API_PREFIX}/processes/find`, { match });
    return found.processes;
  }

  async listProxies(): Promise<ProxyInfo[]> {
    return (await this.http.get<{ proxies: ProxyInfo[] }>(`${API_PREFIX}/proxies`)).proxies;
  }

  /** Creates or updates a proxy on the agent (idempotent). */
  applyProxy(name: string, proxy: ProxyRequest): Promise<ProxyInfo> {
    return this.http.put<ProxyInfo>(`${API_PREFIX}/proxies/${encodeURIComponent(name)}`, proxy);
  }

  async deleteProxy(name: string): Promise<void> {
    await this.http.delete(`${API_PREFIX}/proxies/${encodeURIComponent(name)}`);
  }

  /** Stops renewing leases and drops connections; reverts nothing (the engine has done that). */
  close(): Promise<void> {
    for (const run of this.runs.values()) clearInterval(run.timer);
    this.runs.clear();
    this.http.close();
    return Promise.resolve();
  }

  private async reportHalt(): Promise<void> {
    const halted = await this.status().then(
      (status) => status.halted,
      () => null,
    );
    this.options.onHalt?.(halted ?? { reason: `agent ${this.options.name} is halted`, at: new Date().toISOString() });
  }

  /** Starts renewing the run's lease on this agent, if not already. */
  private keepLease(runId: string): void {
    if (this.runs.has(runId)) return;
    const run = {
      lastRenewed: Date.now(),
      renewing: false,
      timer: setInterval(() => void this.renew(runId), Math.max(50, Math.floor(this.ttlMs / 3))),
    };
    run.timer.unref();
    this.runs.set(runId, run);
  }

  private async renew(runId: string): Promise<void> {
    const run = this.runs.get(runId);
    if (!run || run.renewing) return;
    run.renewing = true;
    try {
      const lease = await this.http.post<LeaseResponse>(
        `${API_PREFIX}/runs/${encodeURIComponent(runId)}/lease`,
        { ttlMs: this.ttlMs },
        this.ttlMs,
      );
      run.lastRenewed = Date.now();
      if (lease.halted) this.options.onHalt?.(lease.halted);
      if (lease.expired.length > 0)
        this.options.onLeaseLost?.(
          `agent ${this.options.name} reverted ${lease.expired.join(', ')} by itself (their lease expired, or the agent restarted after a crash)`,
        );
    } catch (error) {
      if (Date.now() - run.lastRenewed > this.ttlMs) {
        this.options.onLeaseLost?.(
          `lost the lease on agent ${this.options.name} (${errorMessage(error)}): it reverts the run's faults there by itself`,
        );
      }
    } finally {
      run.renewing = false;
    }
  }
}

/** Whether a secret value occurs in what a request sends (an agent is told only the secrets it is sent anyway). */
function carries(request: FaultRequest, secret: string): boolean {
  return JSON.stringify([request.params, request.target]).includes(JSON.stringify(secret).slice(1, -1));
}
