import { randomBytes, randomUUID } from 'node:crypto';
import { UserError } from '../errors.js';
import type { StoreDb } from './open.js';
import { emailKey, toRecipient } from './phishing-audiences.js';
import type { Recipient } from './phishing-audiences.js';
import type { PhishingEventsTable, PhishingTargetsTable } from './phishing-schema.js';
import { nextSeq } from './sequence.js';

/** Bytes of a target's token: 128 bits, unguessable; 22 characters of base64url. */
export const TOKEN_BYTES = 16;
const BATCH = 500;

/** A target's statuses; each is stamped once, at its first occurrence, and never goes back. */
export const TARGET_STATUSES = ['delivered', 'opened', 'clicked', 'submitted', 'reported', 'trained'] as const;
export type TargetStatus = (typeof TARGET_STATUSES)[number];

const STATUS_COLUMN = {
  delivered: 'delivered_at',
  opened: 'opened_at',
  clicked: 'clicked_at',
  submitted: 'submitted_at',
  reported: 'reported_at',
  trained: 'trained_at',
} as const satisfies Record<TargetStatus, keyof PhishingTargetsTable>;

export type SendState = 'pending' | 'claimed' | 'sent' | 'failed';

/** How a recipient becomes a target; undefined leaves the recipient out of the campaign. */
export interface TargetPlan {
  /** email (default) | qr | usb */
  readonly lure?: string;
  readonly templateId?: string | null;
  readonly templateVersion?: number | null;
  /** Not sent before then (its place in the sending window); 0 (default): at once. */
  readonly sendAfter?: number;
}

export interface TargetInfo {
  readonly token: string;
  readonly campaignId: string;
  /** Null once the campaign is anonymised, as are the address, names and attributes. */
  readonly recipientId: string | null;
  readonly email: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly attributes: Readonly<Record<string, string>> | null;
  readonly department: string | null;
  readonly language: string | null;
  readonly lure: string;
  readonly templateId: string | null;
  readonly templateVersion: number | null;
  readonly sendState: SendState;
  readonly sendAfter: number;
  readonly sendIntentAt: number | null;
  readonly claimedBy: string | null;
  readonly sentAt: number | null;
  readonly messageId: string | null;
  readonly failedReason: string | null;
  readonly attempts: number;
  readonly deliveredAt: number | null;
  readonly openedAt: number | null;
  readonly clickedAt: number | null;
  readonly submittedAt: number | null;
  readonly reportedAt: number | null;
  readonly trainedAt: number | null;
  readonly scannerClicks: number;
}

export interface PhishingEvent {
  readonly id: string;
  readonly campaignId: string;
  readonly token: string | null;
  readonly kind: string;
  readonly at: number;
  readonly detail: Readonly<Record<string, unknown>> | null;
}

export interface PhishingEventInput {
  readonly campaignId: string;
  readonly token?: string | null;
  readonly kind: string;
  readonly at: number;
  /** What explains it (a scanner click's reason, a user agent…): never a submitted field's value. */
  readonly detail?: Readonly<Record<string, unknown>> | null;
}

/** A fresh tracking token. */
export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** A campaign's targets (one per recipient, each with its token), their statuses and the tracking events. */
export class PhishingTargets {
  constructor(private readonly store: StoreDb) {}

  /**
   * Makes the campaign's targets from the audience's recipients as they are now (address, names,
   * attributes copied: the campaign no longer depends on the audience), each with a fresh token;
   * `plan` picks who is in and with which lure. All or nothing, once per campaign: a campaign
   * that has targets already is refused. Returns how many were made.
   */
  async create(
    campaignId: string,
    audienceId: string,
    plan: (r: Recipient, index: number) => TargetPlan | undefined = () => ({}),
  ): Promise<number> {
    return this.store.db.transaction().execute(async (tx) => {
      // PostgreSQL: the campaign's row locked, two replicas making targets take turns (SQLite's writer is one).
      const lock = tx.selectFrom('phishing_campaigns').select('id').where('id', '=', campaignId);
      const campaign = await (this.store.dialect === 'postgres' ? lock.forUpdate() : lock).executeTakeFirst();
      if (!campaign) throw new UserError('FD_PHISHING_NO_CAMPAIGN', `no campaign ${campaignId}`);
      const existing = await tx.selectFrom('phishing_targets').select('token').where('campaign_id', '=', campaignId).limit(1).execute();
      if (existing.length > 0) throw new UserError('FD_PHISHING_HAS_TARGETS', `campaign ${campaignId} has its targets already`);
      const recipients = await tx
        .selectFrom('phishing_recipients')
        .selectAll()
        .where('audience_id', '=', audienceId)
        .orderBy('position')
        .execute();
      const rows: PhishingTargetsTable[] = [];
      for (const [i, row] of recipients.entries()) {
        const recipient = toRecipient(row);
        const chosen = plan(recipient, i);
        if (chosen) rows.push(newTarget(campaignId, recipient, row.attributes, chosen));
      }
      for (let i = 0; i < rows.length; i += BATCH)
        await tx
          .insertInto('phishing_targets')
          .values(rows.slice(i, i + BATCH))
          .execute();
      return rows.length;
    });
  }

  async byToken(token: string): Promise<TargetInfo | undefined> {
    const row = await this.store.db.selectFrom('phishing_targets').selectAll().where('token', '=', token).executeTakeFirst();
    return row && toTarget(row);
  }

  /**
   * A person's own targets, newest campaign first, from campaigns not yet anonymised (then no
   * one can be found): for "my drills", where each person sees their results.
   */
  async ofPerson(email: string): Promise<TargetInfo[]> {
    const rows = await this.store.db
      .selectFrom('phishing_targets as t')
      .innerJoin('phishing_campaigns as c', 'c.id', 't.campaign_id')
      .selectAll('t')
      .where('t.email_key', '=', emailKey(email))
      .orderBy('c.created_at', 'desc')
      .orderBy('t.token')
      .execute();
    return rows.map(toTarget);
  }

  /** Every target of the campaign (for the results): by department, then token. */
  async list(campaignId: string): Promise<TargetInfo[]> {
    const rows = await this.store.db
      .selectFrom('phishing_targets')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .orderBy('department')
      .orderBy('token')
      .execute();
    return rows.map(toTarget);
  }

  /**
   * Stamps a status at `at` if it was never stamped: true for the first one, false afterwards
   * (or for an unknown token). One conditional UPDATE: of concurrent events, the first to reach
   * the store keeps its time; nothing ever moves a status back. A report after a click is still
   * a report: the statuses are independent columns.
   */
  async mark(token: string, status: TargetStatus, at: number): Promise<boolean> {
    const column = STATUS_COLUMN[status];
    const done = await this.store.db
      .updateTable('phishing_targets')
      .set(column, at)
      .where('token', '=', token)
      .where(column, 'is', null)
      .executeTakeFirst();
    return Number(done.numUpdatedRows) === 1;
  }

  /** Counts a click taken for a scanner's or a bot's, and records why: false for an unknown token. */
  async scannerClick(token: string, at: number, reason: string): Promise<boolean> {
    return this.store.db.transaction().execute(async (tx) => {
      const row = await tx
        .updateTable('phishing_targets')
        .set((eb) => ({ scanner_clicks: eb('scanner_clicks', '+', 1) }))
        .where('token', '=', token)
        .returning('campaign_id')
        .executeTakeFirst();
      if (!row) return false;
      await tx
        .insertInto('phishing_events')
        .values(eventRow({ campaignId: row.campaign_id, token, kind: 'scanner-click', at, detail: { reason } }))
        .execute();
      return true;
    });
  }

  /** Appends a tracking event. */
  async addEvent(event: PhishingEventInput): Promise<string> {
    const row = eventRow(event);
    await this.store.db.insertInto('phishing_events').values(row).execute();
    return row.id;
  }

  /** The campaign's events in the order they were recorded, optionally of one target. */
  async events(campaignId: string, query: { token?: string; limit?: number } = {}): Promise<PhishingEvent[]> {
    let q = this.store.db.selectFrom('phishing_events').selectAll().where('campaign_id', '=', campaignId);
    if (query.token !== undefined) q = q.where('token', '=', query.token);
    const rows = await q
      .orderBy('seq')
      .orderBy('id')
      .limit(query.limit ?? 10_000)
      .execute();
    return rows.map(toEvent);
  }
}

function newTarget(campaignId: string, r: Recipient, attributes: string | null, plan: TargetPlan): PhishingTargetsTable {
  return {
    token: newToken(),
    campaign_id: campaignId,
    recipient_id: r.id,
    email: r.email,
    email_key: emailKey(r.email),
    first_name: r.firstName,
    last_name: r.lastName,
    attributes,
    department: r.department,
    language: r.language,
    lure: plan.lure ?? 'email',
    template_id: plan.templateId ?? null,
    template_version: plan.templateVersion ?? null,
    send_state: 'pending',
    send_after: plan.sendAfter ?? 0,
    send_intent_at: null,
    claimed_by: null,
    sent_at: null,
    message_id: null,
    failed_reason: null,
    attempts: 0,
    delivered_at: null,
    opened_at: null,
    clicked_at: null,
    submitted_at: null,
    reported_at: null,
    trained_at: null,
    scanner_clicks: 0,
  };
}

function eventRow(event: PhishingEventInput): PhishingEventsTable {
  return {
    id: randomUUID(),
    campaign_id: event.campaignId,
    token: event.token ?? null,
    kind: event.kind,
    at: event.at,
    seq: nextSeq(event.at),
    detail: event.detail ? JSON.stringify(event.detail) : null,
  };
}

export function toTarget(row: PhishingTargetsTable): TargetInfo {
  const time = (v: number | null): number | null => (v === null ? null : Number(v));
  return {
    token: row.token,
    campaignId: row.campaign_id,
    recipientId: row.recipient_id,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    attributes: row.attributes === null ? null : (JSON.parse(row.attributes) as Record<string, string>),
    department: row.department,
    language: row.language,
    lure: row.lure,
    templateId: row.template_id,
    templateVersion: row.template_version === null ? null : Number(row.template_version),
    sendState: row.send_state as SendState,
    sendAfter: Number(row.send_after),
    sendIntentAt: time(row.send_intent_at),
    claimedBy: row.claimed_by,
    sentAt: time(row.sent_at),
    messageId: row.message_id,
    failedReason: row.failed_reason,
    attempts: Number(row.attempts),
    deliveredAt: time(row.delivered_at),
    openedAt: time(row.opened_at),
    clickedAt: time(row.clicked_at),
    submittedAt: time(row.submitted_at),
    reportedAt: time(row.reported_at),
    trainedAt: time(row.trained_at),
    scannerClicks: Number(row.scanner_clicks),
  };
}

function toEvent(row: PhishingEventsTable): PhishingEvent {
  return {
    id: row.id,
    campaignId: row.campaign_id,
    token: row.token,
    kind: row.kind,
    at: Number(row.at),
    detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>),
  };
}
