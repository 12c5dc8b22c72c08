import net from 'node:net';
import { FiredrillError, errorMessage } from '../errors.js';
import { formatDuration } from '../util/duration.js';
import { roundMs } from './params.js';

export interface TcpResult {
  readonly connected: boolean;
  readonly latencyMs: number;
  /** Why it did not connect: `connect ECONNREFUSED 127.0.0.1:9`, or a timeout. */
  readonly error?: string;
}

/**
 * Opens a TCP connection and closes it at once. A refused or timed-out connection is an
 * observation (connected: false), not an exception: that is exactly what a drill looks for.
 * Only an aborted signal rejects, because then nothing was observed.
 */
export function tcpConnect(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<TcpResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = net.connect({ host, port });
    let settled = false;
    const settle = (result: TcpResult | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const observe = (connected: boolean, error?: string): void =>
      settle({ connected, latencyMs: roundMs(performance.now() - started), ...(error === undefined ? {} : { error }) });
    const onAbort = (): void =>
      settle(
        new FiredrillError('FD_PROBE_TCP', `connect ${host}:${port} aborted: ${errorMessage(signal?.reason)}`, { cause: signal?.reason }),
      );

    socket.on('connect', () => observe(true));
    socket.on('error', (error) => observe(false, error.message));
    const timer = setTimeout(() => observe(false, `connect ${host}:${port} timed out after ${formatDuration(timeoutMs)}`), timeoutMs);
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
