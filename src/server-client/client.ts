import { FiredrillError, OperationalError, UserError, ValidationError, errorMessage } from '../errors.js';
import type { Problem } from '../errors.js';

/** One event of a run's live stream, as the server sends it. */
export interface StreamedEvent {
  readonly id: number | undefined;
  readonly event: string;
  readonly data: string;
}

export interface StartedRun {
  readonly id: string;
  readonly title: string;
  readonly state: string;
}

/** How long one request may take (the event stream is not bounded: a run may last hours). */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The control plane's API as the CLI uses it. Errors come back as the server said them: an
 * invalid experiment as a ValidationError located in `file` (exit 2), a refusal as a UserError,
 * a server that cannot be reached or fails as an OperationalError (exit 3).
 */
export class ControlPlaneClient {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  async startRun(file: string, body: Record<string, unknown>): Promise<StartedRun> {
    const answer = await this.#request('POST', '/api/v1/runs', body, file);
    return (answer as { run: StartedRun }).run;
  }

  /** Any call of the API; a refusal becomes the matching error (problems located in `file`). */
  request<T>(method: string, path: string, body?: unknown, file?: string): Promise<T> {
    return this.#request(method, path, body, file) as Promise<T>;
  }

  /** A document the API serves as text (a review in Markdown or HTML). */
  async text(path: string): Promise<string> {
    const response = await fetch(`${this.url}${path}`, {
      headers: { authorization: `Bearer ${this.token}` },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    }).catch((error: unknown) => {
      throw new OperationalError('FD_SERVER_UNREACHABLE', `cannot reach the server ${this.url}: ${errorMessage(error)}`, { cause: error });
    });
    if (!response.ok) throw await this.#failure(response);
    return response.text();
  }

  async cancel(runId: string, reason: string): Promise<void> {
    await this.#request('POST', `/api/v1/runs/${encodeURIComponent(runId)}/cancel`, { reason }).catch(() => undefined);
  }

  /**
   * Follows the run's events until the server says `end`, resuming after a dropped connection
   * from the last event seen (Last-Event-ID); `onEvent` sees each event once, in order.
   */
  async follow(runId: string, onEvent: (event: StreamedEvent) => void): Promise<void> {
    let last = 0;
    let failures = 0;
    for (;;) {
      try {
        const response = await fetch(`${this.url}/api/v1/runs/${encodeURIComponent(runId)}/events`, {
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: 'text/event-stream',
            ...(last > 0 && { 'last-event-id': String(last) }),
          },
        });
        if (!response.ok || !response.body) throw await this.#failure(response);
        let buffer = '';
        const decoder = new TextDecoder();
        for await (const chunk of response.body) {
          buffer += decoder.decode(chunk as Uint8Array, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const event = parseEvent(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            if (!event) continue;
            if (event.event === 'end') return onEvent(event);
            if (event.id !== undefined) last = event.id;
            failures = 0;
            onEvent(event);
          }
        }
      } catch (error) {
        if (error instanceof FiredrillError && !(error instanceof OperationalError)) throw error;
        failures += 1;
        if (failures > 10) throw new OperationalError('FD_SERVER_UNREACHABLE', `lost the run's event stream: ${errorMessage(error)}`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 200 * 2 ** failures)));
      }
    }
  }

  async #request(method: string, path: string, body?: unknown, file?: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new OperationalError('FD_SERVER_UNREACHABLE', `cannot reach the server ${this.url}: ${errorMessage(error)}`, { cause: error });
    }
    if (!response.ok) throw await this.#failure(response, file);
    return response.json();
  }

  async #failure(response: Response, file = 'experiment'): Promise<FiredrillError> {
    const answer = (await response.json().catch(() => ({}))) as {
      error?: { code?: string; message?: string; problems?: Omit<Problem, 'file'>[] };
    };
    const code = answer.error?.code ?? `FD_HTTP_${response.status}`;
    const message = answer.error?.message ?? `the server answered ${response.status}`;
    if (answer.error?.problems) return new ValidationError(answer.error.problems.map((p) => ({ ...p, file })));
    if (response.status === 401) return new UserError(code, `the server refused the token: ${message} (FIREDRILL_TOKEN or --token-file)`);
    if (response.status < 500) return new UserError(code, message);
    return new OperationalError(code, `the server failed: ${message}`);
  }
}

function parseEvent(block: string): StreamedEvent | undefined {
  let id: number | undefined;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('id:')) id = Number(line.slice(3).trim());
    else if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  return data.length === 0 && event === 'message' ? undefined : { id, event, data: data.join('\n') };
}
