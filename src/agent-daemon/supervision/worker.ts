import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Hono } from 'hono';
import { createAgentServer } from '../listen.js';
import type { ResolvedListen } from '../listen.js';
import { isMessage } from './messages.js';
import type { ListenerKind, ToSupervisor, ToWorker } from './messages.js';
import type { SupervisorChannel } from './remote-proxies.js';
import { WORKER_ENV } from './supervisor.js';

/** The worker's end of the channel: `process` of a forked child. */
export interface WorkerChannel extends SupervisorChannel {
  on(event: 'message', listener: (message: unknown, handle?: unknown) => void): void;
  once(event: 'disconnect', listener: () => void): void;
}

/** How a worker started by the supervisor finds its place: its URLs are the supervisor's sockets. */
export interface Supervised {
  readonly channel: WorkerChannel;
  readonly apiUrl: string;
  readonly toxiproxyUrl?: string;
}

const API_URL_ENV = 'FIREDRILL_AGENT_URL';
const TOXIPROXY_URL_ENV = 'FIREDRILL_TOXIPROXY_URL';

/** The environment the supervisor gives its worker. */
export function workerEnvironment(apiUrl: string, toxiproxyUrl: string | undefined): Record<string, string> {
  return { [WORKER_ENV]: '1', [API_URL_ENV]: apiUrl, ...(toxiproxyUrl && { [TOXIPROXY_URL_ENV]: toxiproxyUrl }) };
}

/** This process as a supervised worker, or undefined when it was started any other way. */
export function supervisedWorker(): Supervised | undefined {
  const apiUrl = process.env[API_URL_ENV];
  if (process.env[WORKER_ENV] !== '1' || !process.send || !apiUrl) return undefined;
  const toxiproxyUrl = process.env[TOXIPROXY_URL_ENV];
  const channel: WorkerChannel = {
    send: (message: ToSupervisor) => void process.send?.(message),
    on: (event, listener) => void process.on(event, listener),
    once: (event, listener) => void process.once(event, listener),
  };
  return { channel, apiUrl, ...(toxiproxyUrl && { toxiproxyUrl }) };
}

/**
 * Serves an app on the connections the supervisor accepted for `kind` (it keeps the socket
 * bound while workers come and go); TLS, when configured, is done here as on a listening server.
 */
export function serveHanded(app: Hono, where: ResolvedListen, kind: ListenerKind, supervised: Supervised): Server {
  const server = createAgentServer(app, where.tls);
  supervised.channel.on('message', (message, handle) => {
    if (!isMessage<ToWorker>(message) || message.type !== 'connection' || message.kind !== kind || !handle) return;
    const socket = handle as Socket;
    server.emit('connection', socket);
    // Accepted paused by the supervisor so that it read nothing: the server reads from here.
    socket.resume();
  });
  return server;
}
