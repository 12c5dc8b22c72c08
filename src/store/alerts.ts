import { randomUUID } from 'node:crypto';
import type { ReceivedAlert } from '../engine/expectation.js';
import type { StoreDb } from './open.js';
import { nextSeq } from './sequence.js';
import type { AlertsTable } from './schema.js';

/** An alert as received (see the engine's ReceivedAlert), with its id in the store. */
export type StoredAlert = ReceivedAlert & { readonly id: string };

/** Alerts received by any replica, for the expectations that wait for them and the responders' console. */
export class Alerts {
  constructor(private readonly store: StoreDb) {}

  async add(alert: Omit<StoredAlert, 'id'>): Promise<StoredAlert> {
    const stored = { ...alert, id: randomUUID() };
    await this.store.db
      .insertInto('alerts')
      .values({
        id: stored.id,
        source: stored.source,
        status: stored.status,
        labels: JSON.stringify(stored.labels),
        annotations: JSON.stringify(stored.annotations),
        received_at: stored.receivedAt,
        seq: nextSeq(stored.receivedAt),
      })
      .execute();
    return stored;
  }

  /** Received at or after `since`, oldest first, at most `limit`. */
  async since(since: number, limit = 1000): Promise<StoredAlert[]> {
    const rows = await this.store.db
      .selectFrom('alerts')
      .selectAll()
      .where('received_at', '>=', since)
      .orderBy('received_at')
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(toAlert);
  }
}

function toAlert(row: AlertsTable): StoredAlert {
  return {
    id: row.id,
    source: row.source,
    status: row.status === 'resolved' ? 'resolved' : 'firing',
    labels: JSON.parse(row.labels) as Record<string, string>,
    annotations: JSON.parse(row.annotations) as Record<string, string>,
    receivedAt: row.received_at,
  };
}
