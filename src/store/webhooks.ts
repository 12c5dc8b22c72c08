import { randomUUID } from 'node:crypto';
import { nextSeq } from './sequence.js';
import type { StoreDb } from './open.js';
import type { WebhookDeliveriesTable, WebhooksTable } from './schema.js';

export const WEBHOOK_EVENTS = [
  'run.started',
  'run.ended',
  'run.revealed',
  'guardrail.tripped',
  'halt',
  'resume',
  /** An announced drill launched; one not announced says nothing until its run is revealed. */
  'drill.launched',
  /** An announced drill skipped, missed or failed to launch, with why. */
  'drill.skipped',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export type WebhookKind = 'slack' | 'generic';

export interface WebhookInfo {
  readonly id: string;
  readonly url: string;
  readonly kind: WebhookKind;
  readonly events: WebhookEvent[];
  readonly createdBy: string;
  readonly createdAt: number;
}

export interface Delivery {
  readonly id: string;
  readonly webhookId: string;
  readonly event: string;
  readonly payload: string;
  readonly status: string;
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly deliveredAt: number | null;
}

/** Webhook subscriptions and their delivery log (every attempt's outcome, retried until it lands or gives up). */
export class Webhooks {
  constructor(private readonly store: StoreDb) {}

  async create(input: {
    url: string;
    kind: WebhookKind;
    secret: string | null;
    events: readonly WebhookEvent[];
    createdBy: string;
  }): Promise<WebhookInfo> {
    const info = {
      id: randomUUID(),
      url: input.url,
      kind: input.kind,
      events: [...input.events],
      createdBy: input.createdBy,
      createdAt: Date.now(),
    };
    await this.store.db
      .insertInto('webhooks')
      .values({
        id: info.id,
        url: info.url,
        kind: info.kind,
        secret: input.secret,
        events: JSON.stringify(info.events),
        created_by: info.createdBy,
        created_at: info.createdAt,
        deleted_at: null,
      })
      .execute();
    return info;
  }

  async list(): Promise<WebhookInfo[]> {
    const rows = await this.store.db.selectFrom('webhooks').selectAll().where('deleted_at', 'is', null).orderBy('created_at').execute();
    return rows.map(toInfo);
  }

  async remove(id: string): Promise<boolean> {
    const result = await this.store.db
      .updateTable('webhooks')
      .set({ deleted_at: Date.now() })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The signing key of a live webhook (for the dispatcher only). */
  async secretOf(id: string): Promise<{ url: string; kind: WebhookKind; secret: string | null } | undefined> {
    const row = await this.store.db
      .selectFrom('webhooks')
      .select(['url', 'kind', 'secret'])
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row ? { url: row.url, kind: row.kind as WebhookKind, secret: row.secret } : undefined;
  }

  /** Queues `event` for every live subscription that wants it; returns how many. */
  async enqueue(event: WebhookEvent, data: Record<string, unknown>): Promise<number> {
    const now = Date.now();
    const seq = nextSeq(now);
    const wanting = (await this.list()).filter((w) => w.events.includes(event));
    for (const webhook of wanting) {
      await this.store.db
        .insertInto('webhook_deliveries')
        .values({
          id: randomUUID(),
          webhook_id: webhook.id,
          event,
          payload: JSON.stringify({ event, at: new Date(now).toISOString(), seq, data }),
          status: 'pending',
          attempts: 0,
          next_attempt_at: now,
          claimed_until: null,
          last_status: null,
          last_error: null,
          created_at: now,
          delivered_at: null,
          seq,
        })
        .execute();
    }
    return wanting.length;
  }

  /**
   * Claims, until `until`, what may be sent now: for each subscription (at most `subscriptions`
   * of them), its due deliveries in the order they were queued (at most `perSubscription`), up
   * to the first one another replica holds. The sender sends each batch one after the other, so
   * a receiver that answers gets one subscription's events in order; a delivery waiting for a
   * retry does not hold back newer ones (it arrives later, with its `seq` to order it by).
   */
  async claimDue(now: number, until: number, subscriptions = 20, perSubscription = 10): Promise<Delivery[][]> {
    const pending = this.store.db.selectFrom('webhook_deliveries').where('status', '=', 'pending');
    const subscribers = await pending
      .select('webhook_id')
      .where('next_attempt_at', '<=', now)
      .groupBy('webhook_id')
      .limit(subscriptions)
      .execute();
    const batches: Delivery[][] = [];
    for (const { webhook_id } of subscribers) {
      const due = await pending
        .selectAll()
        .where('webhook_id', '=', webhook_id)
        .where('next_attempt_at', '<=', now)
        .orderBy('seq')
        .orderBy('created_at')
        .limit(perSubscription)
        .execute();
      const batch: Delivery[] = [];
      for (const row of due) {
        // Taken by another replica (racing, or sending the ones before): the rest is for it.
        if (!(await this.#claim(row.id, now, until))) break;
        batch.push(toDelivery(row));
      }
      if (batch.length > 0) batches.push(batch);
    }
    return batches;
  }

  /** Gives back deliveries claimed but not tried (the sender is stopping). */
  async release(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.store.db.updateTable('webhook_deliveries').set({ claimed_until: null }).where('id', 'in', ids).execute();
  }

  async #claim(id: string, now: number, until: number): Promise<boolean> {
    const result = await this.store.db
      .updateTable('webhook_deliveries')
      .set({ claimed_until: until })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0; // 0: another replica took it
  }

  async recordAttempt(
    id: string,
    outcome: { ok: boolean; status: number | null; error: string | null; nextAttemptAt: number | null },
  ): Promise<void> {
    const row = await this.store.db.selectFrom('webhook_deliveries').select('attempts').where('id', '=', id).executeTakeFirst();
    const attempts = (row?.attempts ?? 0) + 1;
    const status = outcome.ok ? 'delivered' : outcome.nextAttemptAt === null ? 'failed' : 'pending';
    await this.store.db
      .updateTable('webhook_deliveries')
      .set({
        status,
        attempts,
        last_status: outcome.status,
        last_error: outcome.error,
        claimed_until: null,
        ...(outcome.nextAttemptAt !== null && { next_attempt_at: outcome.nextAttemptAt }),
        ...(outcome.ok && { delivered_at: Date.now() }),
      })
      .where('id', '=', id)
      .execute();
  }

  /** Newest first. */
  async deliveries(webhookId: string, limit = 100): Promise<Delivery[]> {
    const rows = await this.store.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('webhook_id', '=', webhookId)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toDelivery);
  }
}

function toInfo(row: WebhooksTable): WebhookInfo {
  return {
    id: row.id,
    url: row.url,
    kind: row.kind as WebhookKind,
    events: JSON.parse(row.events) as WebhookEvent[],
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

function toDelivery(row: WebhookDeliveriesTable): Delivery {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    event: row.event,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}
