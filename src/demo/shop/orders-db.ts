import pg from 'pg';
import { errorMessage } from '../../errors.js';
import { clientConfig, timedQuery } from '../../postgres/connect.js';
import type { PgEndpoint } from '../../postgres/connect.js';
import { isInRecovery, promote } from '../../postgres/promote.js';

export type DatabaseRole = 'primary' | 'replica';
type DatabaseState = 'writable' | 'standby' | 'unreachable';

export interface OrdersDatabaseOptions {
  /** Both reached through the shop's fault proxies. */
  readonly primary: PgEndpoint;
  readonly replica: PgEndpoint;
  /** Shown in pg_stat_activity and stored with each order. */
  readonly name: string;
  /** The primary must have been unreachable this long before the replica is promoted. */
  readonly failoverAfterMs: number;
  /** Client-side limit for each query, and for connecting. */
  readonly queryTimeoutMs: number;
  /** COMMIT waits for the synchronous replica too, so it gets longer. */
  readonly commitTimeoutMs: number;
  readonly checkIntervalMs: number;
  readonly log: (line: string) => void;
}

export interface Order {
  readonly id: string;
  readonly item: string;
  readonly qty: number;
}

export class NoWritableDatabase extends Error {}

/** The writer counts as healthy while it answered this recently. */
const HEALTHY_FOR_MS = 2500;

/**
 * The orders service's view of its database pair, with failover:
 *
 *   every checkIntervalMs (and at once after a failed write): ask both servers whether they
 *   are in recovery.
 *   - the replica answers "not in recovery": it was promoted, and from then on it is the only
 *     writer (every instance follows it; the old primary, if it comes back, is behind it);
 *   - else the primary answers "not in recovery": it is the writer;
 *   - else, once the primary has not answered for failoverAfterMs, promote the replica.
 *
 * Waiting failoverAfterMs instead of promoting at the first timeout keeps a slow link (drill 2:
 * 800 ms per round trip) from causing a failover. Losing no acknowledged order does not depend
 * on that timing: the primary commits synchronously to the replica, so once the replica is
 * promoted (and stops streaming) the old primary cannot complete a commit any more.
 *
 * Timeouts are client-side (query_timeout), never statement_timeout: a statement timeout would
 * cancel a COMMIT's wait for the synchronous replica, and PostgreSQL then reports the commit
 * as successful with only a warning — an order acknowledged that the replica never got.
 */
export class OrdersDatabase {
  private readonly pools: Record<DatabaseRole, pg.Pool>;
  private writer: DatabaseRole | undefined;
  private writerSeenAt = 0;
  private primarySeenAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: OrdersDatabaseOptions) {
    this.pools = { primary: this.pool(options.primary), replica: this.pool(options.replica) };
  }

  /** Starts watching the pair; resolves after the first look. */
  async start(): Promise<void> {
    await this.checkNow();
  }

  /**
   * Inserts the order in a transaction on the current writer, idempotently (the id comes from
   * the client, so the gateway and the client may retry). Resolves only after COMMIT returned:
   * then the order is on both servers.
   */
  async insert(order: Order): Promise<DatabaseRole> {
    const role = this.writer;
    if (role === undefined) throw new NoWritableDatabase('no writable database (failing over)');
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pools[role].connect();
      await client.query('BEGIN');
      await client.query('INSERT INTO orders (id, item, qty, served_by) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING', [
        order.id,
        order.item,
        order.qty,
        this.options.name,
      ]);
      await client.query(timedQuery('COMMIT', [], this.options.commitTimeoutMs));
      client.release();
      return role;
    } catch (error) {
      // A client that timed out may still have a query in flight: never reuse it.
      client?.release(error instanceof Error ? error : new Error(String(error)));
      void this.checkNow();
      throw error;
    }
  }

  health(): { ok: boolean; writer: DatabaseRole | null; lastSeenMsAgo: number | null } {
    const age = this.writer === undefined ? null : Date.now() - this.writerSeenAt;
    return { ok: age !== null && age < HEALTHY_FOR_MS, writer: this.writer ?? null, lastSeenMsAgo: age };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await Promise.all(
      Object.values(this.pools).map((pool) => Promise.race([pool.end(), new Promise((resolve) => setTimeout(resolve, 500))])),
    );
  }

  /** Runs a check now, or joins the one in progress; the next one is scheduled after it. */
  private checkNow(): Promise<void> {
    if (this.checking) return this.checking;
    clearTimeout(this.timer);
    this.checking = this.check()
      .catch((error: unknown) => this.options.log(`check failed: ${errorMessage(error)}`))
      .finally(() => {
        this.checking = undefined;
        if (!this.closed) this.timer = setTimeout(() => void this.checkNow(), this.options.checkIntervalMs);
      });
    return this.checking;
  }

  private async check(): Promise<void> {
    const [primary, replica] = await Promise.all([this.state('primary'), this.state('replica')]);
    if (replica === 'writable') return this.use('replica');
    // Promoted earlier and unreachable now: the old primary is behind it, never go back.
    if (this.writer === 'replica') return;
    if (primary === 'writable') {
      this.primarySeenAt = Date.now();
      return this.use('primary');
    }
    const lostFor = Date.now() - this.primarySeenAt;
    if (lostFor < this.options.failoverAfterMs || replica !== 'standby') return;
    this.options.log(`primary unreachable for ${lostFor} ms: promoting the replica`);
    const started = Date.now();
    await promote(this.pools.replica);
    this.options.log(`replica promoted in ${Date.now() - started} ms`);
    this.use('replica');
  }

  private use(role: DatabaseRole): void {
    if (this.writer !== role) this.options.log(`writing to the ${role}`);
    this.writer = role;
    this.writerSeenAt = Date.now();
  }

  private async state(role: DatabaseRole): Promise<DatabaseState> {
    try {
      return (await isInRecovery(this.pools[role])) ? 'standby' : 'writable';
    } catch {
      return 'unreachable';
    }
  }

  private pool(endpoint: PgEndpoint): pg.Pool {
    const config = clientConfig(endpoint, {
      connectTimeoutMs: this.options.queryTimeoutMs,
      queryTimeoutMs: this.options.queryTimeoutMs,
      applicationName: this.options.name,
    });
    const pool = new pg.Pool({ ...config, max: 8, idleTimeoutMillis: 30_000 });
    pool.on('error', () => {
      // An idle connection died (server killed, link cut): the pool drops it; checks notice.
    });
    return pool;
  }
}
