import pg from 'pg';
import type { ClientConfig } from 'pg';

/** Where a database is and who to connect as (trust auth: no password). */
export interface PgEndpoint {
  /** 127.0.0.1, or a unix socket directory. */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
}

/**
 * Session settings that fix how rows print as text, so that a row's text — and a checksum of
 * it — is the same on any cluster, whatever the server's or the client's defaults.
 */
const STABLE_TEXT = ['TimeZone=UTC', 'DateStyle=ISO,YMD', 'IntervalStyle=postgres', 'extra_float_digits=3', 'bytea_output=hex']
  .map((setting) => `-c ${setting}`)
  .join(' ');

export interface ConnectOptions {
  /** For connecting (TCP and startup). */
  readonly connectTimeoutMs?: number;
  /** Client-side limit for each query (see orders-db.ts for why not statement_timeout). */
  readonly queryTimeoutMs?: number;
  readonly applicationName?: string;
}

export function clientConfig(endpoint: PgEndpoint, options: ConnectOptions = {}): ClientConfig {
  return {
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    database: endpoint.database,
    options: STABLE_TEXT,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    ...(options.queryTimeoutMs !== undefined ? { query_timeout: options.queryTimeoutMs } : {}),
    application_name: options.applicationName ?? 'firedrill',
    keepAlive: true,
  };
}

/** A connected client; the caller ends it. Errors on the idle connection are swallowed. */
export async function connect(endpoint: PgEndpoint, options: ConnectOptions = {}): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(endpoint, options));
  client.on('error', () => {
    // The server went away while idle: the next query on this client fails and says so.
  });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

/** Runs `use` with a fresh connection and always closes it. */
export async function withClient<T>(endpoint: PgEndpoint, options: ConnectOptions, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(endpoint, options);
  try {
    return await use(client);
  } finally {
    await endQuietly(client);
  }
}

/**
 * Ends a client without waiting on a link that may be blackholed: `end()` sends a Terminate
 * message and waits for the server to close, which never happens through a dead link.
 */
export async function endQuietly(client: pg.Client): Promise<void> {
  await Promise.race([client.end().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 500).unref())]);
}

/**
 * A query with its own client-side timeout. pg honours `query_timeout` per query (lib/client.js)
 * although its type definitions declare it only for the whole client.
 */
export function timedQuery(text: string, values: readonly unknown[], timeoutMs: number): pg.QueryConfig {
  const config = { text, values: [...values], query_timeout: timeoutMs };
  return config;
}
