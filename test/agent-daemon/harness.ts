import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import type {
  AgentStatus,
  ApiError,
  FindProcessesRequest,
  FindProcessesResponse,
  HaltResponse,
  InjectRequest,
  InjectResponse,
  LeaseResponse,
  RecoverResponse,
  RevertedRunFault,
} from '../../src/agent-protocol/api.js';
import type { Logger, LogFields } from '../../src/util/log.js';
import { createAgentApp } from '../../src/agent-daemon/http/app.js';
import { openAgentCore } from '../../src/agent-daemon/http/core.js';
import type { AgentCore } from '../../src/agent-daemon/http/core.js';
import type { ResolvedTarget, StartCommand } from '../../src/engine/target.js';

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly fields: LogFields | undefined;
}

/**
 * Writes the host's allow-list (`<stateDir>/allow.json`, mode 0600) as `firedrill run` would:
 * the start commands, pid files and disk-fill directories the agent may use. Returns its path.
 */
export function allowOnHost(
  stateDir: string,
  allow: {
    start?: readonly StartCommand[];
    pidFiles?: readonly string[];
    directories?: readonly string[];
    ports?: readonly number[];
    users?: readonly string[];
    hosts?: readonly string[];
  },
): string {
  const file = join(stateDir, 'allow.json');
  writeFileSync(file, JSON.stringify({ version: 1, start: [], pidFiles: [], directories: [], ports: [], users: [], hosts: [], ...allow }), {
    mode: 0o600,
  });
  chmodSync(file, 0o600);
  return file;
}

/** A logger that keeps its lines for the test to read. */
export function memoryLogger(lines: LogLine[]): Logger {
  const at = (level: string) => (msg: string, fields?: LogFields) => void lines.push({ level, msg, fields });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export const TOKEN = 'a'.repeat(64);

/** An answer of the agent: tests check `status` first, so `body` is typed as both outcomes. */
export interface Answer<T> {
  readonly status: number;
  readonly body: T & ApiError;
}

/**
 * An agent without a socket: its core on a temp state dir and its hono app, driven with
 * `app.request()`. `close` reverts whatever is still active and removes the state dir.
 */
export class AgentHarness {
  readonly logs: LogLine[] = [];
  readonly core: AgentCore;
  readonly app: Hono;

  constructor(
    readonly stateDir = mkdtempSync(join(tmpdir(), 'firedrill-agent-')),
    options: { defaultLeaseTtlMs?: number; inventory?: string } = {},
  ) {
    const log = memoryLogger(this.logs);
    this.core = openAgentCore({ stateDir, log, ...options });
    const identity = () => ({
      agentId: 'test',
      version: '0.0.0',
      pid: process.pid,
      startedAt: new Date(0).toISOString(),
      url: 'http://test',
      idleExitMs: null,
    });
    this.app = createAgentApp({
      token: TOKEN,
      keeper: this.core.keeper,
      sweeper: this.core.sweeper,
      proxies: this.core.proxies,
      ledger: this.core.ledger,
      allow: this.core.allow,
      identity,
      log,
    });
  }

  async request<T = unknown>(method: string, path: string, body?: unknown, token: string | null = TOKEN): Promise<Answer<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const init = { method, headers, ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }) };
    const response = await this.app.request(path, init);
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T & ApiError };
  }

  inject(runId: string, request: Partial<InjectRequest> & { target: ResolvedTarget; type: string }): Promise<Answer<InjectResponse>> {
    return this.request('POST', `/v1/runs/${runId}/faults`, { faultId: 'f1', step: 'method[0]', params: {}, ...request });
  }

  revert(runId: string, faultId: string): Promise<Answer<RevertedRunFault>> {
    return this.request('POST', `/v1/runs/${runId}/faults/${faultId}/revert`);
  }

  lease(runId: string, ttlMs?: number): Promise<Answer<LeaseResponse>> {
    return this.request('POST', `/v1/runs/${runId}/lease`, ttlMs === undefined ? {} : { ttlMs });
  }

  halt(reason: string): Promise<Answer<HaltResponse>> {
    return this.request('POST', '/v1/halt', { reason });
  }

  status(): Promise<Answer<AgentStatus>> {
    return this.request('GET', '/v1/status');
  }

  recover(): Promise<Answer<RecoverResponse>> {
    return this.request('POST', '/v1/recover', {});
  }

  find(match: FindProcessesRequest['match']): Promise<Answer<FindProcessesResponse>> {
    return this.request('POST', '/v1/processes/find', { match });
  }

  async close(): Promise<void> {
    try {
      await this.core.close('test over');
    } finally {
      rmSync(this.stateDir, { recursive: true, force: true });
    }
  }
}
