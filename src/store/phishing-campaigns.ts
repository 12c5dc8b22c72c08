import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { FiredrillError } from '../errors.js';
import type { StoreDb } from './open.js';
import type { PhishingCampaignsTable } from './phishing-schema.js';

export type CampaignState = 'draft' | 'scheduled' | 'sending' | 'running' | 'ended';

/**
 * The only moves a campaign makes. `sending` → `running` once every target is sent or failed;
 * any state but `ended` may end (a halt, a cancel); a scheduled one may go back to draft.
 */
export const CAMPAIGN_MOVES: Readonly<Record<CampaignState, readonly CampaignState[]>> = {
  draft: ['scheduled', 'sending', 'ended'],
  scheduled: ['draft', 'sending', 'ended'],
  sending: ['running', 'ended'],
  running: ['ended'],
  ended: [],
};

const DAY_MS = 86_400_000;

export interface CampaignInput {
  readonly name: string;
  /** Audience, templates, lure kinds, window, rate… as the phishing core validated it. */
  readonly spec: unknown;
  /** Its results are anonymised this many days after it ends. */
  readonly retentionDays: number;
  readonly owner: string;
  readonly drillId?: string | null | undefined;
  readonly launchId?: string | null | undefined;
}

export interface CampaignInfo {
  readonly id: string;
  readonly name: string;
  readonly state: CampaignState;
  readonly spec: unknown;
  readonly retentionDays: number;
  readonly owner: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly launchedAt: number | null;
  readonly endedAt: number | null;
  readonly anonymiseAt: number | null;
  readonly anonymisedAt: number | null;
  readonly drillId: string | null;
  readonly launchId: string | null;
}

/** Campaigns: a guarded state machine in the store, so replicas agree on what each one is doing. */
export class PhishingCampaigns {
  constructor(private readonly store: StoreDb) {}

  async create(input: CampaignInput, now = Date.now()): Promise<CampaignInfo> {
    const row: PhishingCampaignsTable = {
      id: randomUUID(),
      name: input.name,
      state: 'draft',
      spec: JSON.stringify(input.spec),
      retention_days: input.retentionDays,
      owner: input.owner,
      created_at: now,
      updated_at: now,
      launched_at: null,
      ended_at: null,
      anonymise_at: null,
      anonymised_at: null,
      drill_id: input.drillId ?? null,
      launch_id: input.launchId ?? null,
    };
    await this.store.db.insertInto('phishing_campaigns').values(row).execute();
    return toCampaign(row);
  }

  async get(id: string): Promise<CampaignInfo | undefined> {
    const row = await this.store.db.selectFrom('phishing_campaigns').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toCampaign(row);
  }

  /** Newest first, optionally in some states only. */
  async list(query: { states?: readonly CampaignState[]; limit?: number } = {}): Promise<CampaignInfo[]> {
    let q = this.store.db.selectFrom('phishing_campaigns').selectAll();
    if (query.states !== undefined) {
      if (query.states.length === 0) return [];
      q = q.where('state', 'in', [...query.states]);
    }
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(query.limit ?? 1000)
      .execute();
    return rows.map(toCampaign);
  }

  /** Changes its definition, only while it is a draft or scheduled: false otherwise. */
  async update(id: string, change: { name?: string; spec?: unknown; retentionDays?: number }, now = Date.now()): Promise<boolean> {
    const done = await this.store.db
      .updateTable('phishing_campaigns')
      .set({
        updated_at: now,
        ...(change.name !== undefined && { name: change.name }),
        ...(change.spec !== undefined && { spec: JSON.stringify(change.spec) }),
        ...(change.retentionDays !== undefined && { retention_days: change.retentionDays }),
      })
      .where('id', '=', id)
      .where('state', 'in', ['draft', 'scheduled'])
      .executeTakeFirst();
    return Number(done.numUpdatedRows) === 1;
  }

  /**
   * Moves the campaign from `from` to `to` if it is still in `from`: false when it is not (another
   * replica moved it first). A move not in CAMPAIGN_MOVES is a bug of the caller and throws.
   * Sending stamps `launchedAt` (the first time); ending stamps `endedAt` and when to anonymise.
   */
  async transition(id: string, from: CampaignState, to: CampaignState, at = Date.now()): Promise<boolean> {
    if (!CAMPAIGN_MOVES[from].includes(to)) {
      throw new FiredrillError('FD_PHISHING_BAD_MOVE', `a campaign cannot go from ${from} to ${to}`);
    }
    const done = await this.store.db
      .updateTable('phishing_campaigns')
      .set((eb) => ({
        state: to,
        updated_at: at,
        ...(to === 'sending' && { launched_at: eb.fn.coalesce('launched_at', eb.val(at)) }),
        ...(to === 'ended' && {
          ended_at: at,
          anonymise_at: sql<number>`${at} + CAST(retention_days AS bigint) * ${sql.lit(DAY_MS)}`,
        }),
      }))
      .where('id', '=', id)
      .where('state', '=', from)
      .executeTakeFirst();
    return Number(done.numUpdatedRows) === 1;
  }

  /** Ended campaigns past their retention and not yet anonymised, the oldest due first. */
  async dueForAnonymisation(now: number): Promise<CampaignInfo[]> {
    const rows = await this.store.db
      .selectFrom('phishing_campaigns')
      .selectAll()
      .where('state', '=', 'ended')
      .where('anonymised_at', 'is', null)
      .where('anonymise_at', '<=', now)
      .orderBy('anonymise_at')
      .execute();
    return rows.map(toCampaign);
  }

  /**
   * Cuts the link between an ended campaign's results and the people: on its targets the
   * recipient, address, names and attributes become null (a failure reason naming the address
   * too), and so does any event detail that names a target's address. Department, language,
   * lure and the status times stay: the aggregates are unchanged. One transaction; true for the
   * call that did it, false if it was already done, or the campaign is not ended.
   * (Replicas share PostgreSQL; on SQLite the control plane is one process with one store.)
   */
  async anonymise(id: string, now: number): Promise<boolean> {
    return this.store.db.transaction().execute(async (tx) => {
      const done = await tx
        .updateTable('phishing_campaigns')
        .set({ anonymised_at: now, updated_at: now })
        .where('id', '=', id)
        .where('state', '=', 'ended')
        .where('anonymised_at', 'is', null)
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== 1) return false;
      // Before the addresses go: they are what is looked for. `_` and `%` in an address match
      // more, never less.
      await sql`UPDATE phishing_events SET detail = NULL
        WHERE campaign_id = ${id} AND detail IS NOT NULL AND EXISTS (
          SELECT 1 FROM phishing_targets t WHERE t.campaign_id = ${id} AND t.email IS NOT NULL
            AND lower(phishing_events.detail) LIKE '%' || lower(t.email) || '%')`.execute(tx);
      await sql`UPDATE phishing_targets SET
          failed_reason = CASE WHEN email IS NOT NULL AND lower(failed_reason) LIKE '%' || lower(email) || '%'
            THEN NULL ELSE failed_reason END,
          recipient_id = NULL, email = NULL, email_key = NULL, first_name = NULL, last_name = NULL, attributes = NULL
        WHERE campaign_id = ${id}`.execute(tx);
      return true;
    });
  }
}

function toCampaign(row: PhishingCampaignsTable): CampaignInfo {
  const time = (v: number | null): number | null => (v === null ? null : Number(v));
  return {
    id: row.id,
    name: row.name,
    state: row.state as CampaignState,
    spec: JSON.parse(row.spec) as unknown,
    retentionDays: Number(row.retention_days),
    owner: row.owner,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    launchedAt: time(row.launched_at),
    endedAt: time(row.ended_at),
    anonymiseAt: time(row.anonymise_at),
    anonymisedAt: time(row.anonymised_at),
    drillId: row.drill_id,
    launchId: row.launch_id,
  };
}
