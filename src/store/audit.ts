import type { StoreDb } from './open.js';

/** One mutating action: who did what to what, from where, and how it ended. */
export interface AuditEntry {
  readonly actor: string;
  readonly action: string;
  readonly target?: string | undefined;
  readonly address?: string | undefined;
  /** `ok`, `denied`, or `error: …` */
  readonly outcome: string;
  readonly detail?: Record<string, unknown> | undefined;
}

export interface AuditRecord extends AuditEntry {
  readonly id: number;
  readonly at: number;
}

export interface AuditQuery {
  readonly actor?: string | undefined;
  readonly action?: string | undefined;
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  /** Records with a smaller id (paging backwards from the newest). */
  readonly before?: number | undefined;
  readonly limit?: number | undefined;
}

/** The append-only audit log: there is no update or delete here, by design. */
export class AuditLog {
  constructor(private readonly store: StoreDb) {}

  async append(entry: AuditEntry): Promise<void> {
    await this.store.db
      .insertInto('audit')
      .values({
        at: Date.now(),
        actor: entry.actor,
        action: entry.action,
        target: entry.target ?? null,
        address: entry.address ?? null,
        outcome: entry.outcome,
        detail: entry.detail ? JSON.stringify(entry.detail) : null,
      })
      .execute();
  }

  /** Newest first. */
  async list(query: AuditQuery = {}): Promise<AuditRecord[]> {
    let q = this.store.db.selectFrom('audit').selectAll();
    if (query.actor !== undefined) q = q.where('actor', '=', query.actor);
    if (query.action !== undefined) q = q.where('action', '=', query.action);
    if (query.since !== undefined) q = q.where('at', '>=', query.since);
    if (query.until !== undefined) q = q.where('at', '<', query.until);
    if (query.before !== undefined) q = q.where('id', '<', query.before);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(Math.min(query.limit ?? 100, 1000))
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      at: r.at,
      actor: r.actor,
      action: r.action,
      target: r.target ?? undefined,
      address: r.address ?? undefined,
      outcome: r.outcome,
      detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : undefined,
    }));
  }
}
