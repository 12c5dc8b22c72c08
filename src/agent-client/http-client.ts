import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { OperationalError } from '../errors.js';
import type { ApiError } from '../agent-protocol/api.js';

/** An agent answered with an error, or could not be reached (`status` 0). */
export class AgentRequestError extends OperationalError {
  readonly status: number;
  /** The agent's error body, for fields beyond code and message (an inject's cleanup). */
  readonly body: ApiError['error'] | undefined;

  constructor(code: string, message: string, status: number, options?: { cause?: unknown; body?: ApiError['error'] }) {
    super(code, message, options);
    this.status = status;
    this.body = options?.body;
  }
}

export interface AgentEndpoint {
  readonly url: string;
  readonly token: string;
  /** PEM of the CA that signed an agent's TLS certificate, when it is not a public one. */
  readonly ca?: string;
}

/**
 * JSON over HTTP(S) to one agent, on kept-alive connections (a lease renewal every 1.7 s should
 * not open a connection each time). Every request has a deadline: an agent that hangs is an
 * agent that is not there. At most MAX_SOCKETS requests are on the wire at once; the rest wait
 * here, where an abort can still take them back before the agent ever sees them (an aborting
 * run must not wait for a hundred queued injections to be written to the ledger).
 */
const MAX_SOCKETS = 16;

/** TLS only for agents reached over https: loading node:https costs every run a few ms. */
const https = () => process.getBuiltinModule('node:https');

export class AgentHttp {
  private readonly base: URL;
  private readonly agent: HttpAgent;

  constructor(private readonly endpoint: AgentEndpoint) {
    this.base = new URL(endpoint.url);
    const options = { keepAlive: true, maxSockets: MAX_SOCKETS };
    this.agent =
      this.base.protocol === 'https:'
        ? new (https().Agent)({ ...options, ...(endpoint.ca ? { ca: endpoint.ca } : {}) })
        : new HttpAgent(options);
  }

  get url(): string {
    return this.endpoint.url;
  }

  get<T>(path: string, timeoutMs = 5000): Promise<T> {
    return this.send<T>('GET', path, undefined, timeoutMs);
  }

  post<T>(path: string, body: unknown = {}, timeoutMs = 30_000, signal?: AbortSignal): Promise<T> {
    return this.send<T>('POST', path, body, timeoutMs, signal);
  }

  put<T>(path: string, body: unknown, timeoutMs = 30_000): Promise<T> {
    return this.send<T>('PUT', path, body, timeoutMs);
  }

  delete(path: string, timeoutMs = 30_000): Promise<unknown> {
    return this.send('DELETE', path, undefined, timeoutMs);
  }

  close(): void {
    this.agent.destroy();
  }

  private send<T>(method: string, path: string, body: unknown, timeoutMs: number, signal?: AbortSignal): Promise<T> {
    const url = new URL(path, this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const request = url.protocol === 'https:' ? https().request : httpRequest;
    return new Promise<T>((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent: this.agent,
          timeout: timeoutMs,
          ...(signal ? { signal } : {}),
          headers: {
            authorization: `Bearer ${this.endpoint.token}`,
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve(parsed as T);
            const error = (parsed as ApiError | undefined)?.error;
            reject(
              new AgentRequestError(
                error?.code ?? 'FD_AGENT_ERROR',
                `agent ${this.endpoint.url}: ${error?.message ?? `HTTP ${status}`}`,
                status,
                error ? { body: error } : {},
              ),
            );
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (error) =>
        reject(
          new AgentRequestError('FD_AGENT_UNREACHABLE', `agent ${this.endpoint.url} unreachable: ${error.message}`, 0, { cause: error }),
        ),
      );
      req.end(payload);
    });
  }
}
