import { randomUUID } from 'node:crypto';
import { UserError } from '../errors.js';
import type { StoreDb } from './open.js';
import type { PhishingAudiencesTable, PhishingRecipientsTable } from './phishing-schema.js';

/** Rows per insert: one statement has a bounded number of parameters (SQLite 32,766). */
const BATCH = 500;

export interface RecipientInput {
  readonly email: string;
  readonly firstName?: string | null | undefined;
  readonly lastName?: string | null | undefined;
  readonly department?: string | null | undefined;
  readonly language?: string | null | undefined;
  /** Optional attributes (never a manager's name: only what the lures need). */
  readonly attributes?: Readonly<Record<string, string>> | null | undefined;
}

export interface Recipient {
  readonly id: string;
  readonly audienceId: string;
  readonly email: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly department: string | null;
  readonly language: string | null;
  readonly attributes: Readonly<Record<string, string>> | null;
}

export interface AudienceInfo {
  readonly id: string;
  readonly name: string;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly size: number;
}

/** The key that makes two addresses the same recipient: trimmed, lower-cased. */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/** Audiences: groups of recipients, imported all or nothing. */
export class PhishingAudiences {
  constructor(private readonly store: StoreDb) {}

  /**
   * Creates the audience with all its recipients in one transaction: either every recipient is
   * stored, or nothing is. Two addresses that differ only in case or spaces are the same
   * recipient: a UserError names both positions (0-based) and nothing is stored.
   */
  async create(input: { name: string; by: string; recipients: readonly RecipientInput[] }, now = Date.now()): Promise<AudienceInfo> {
    const id = randomUUID();
    try {
      await this.store.db.transaction().execute(async (tx) => {
        await tx.insertInto('phishing_audiences').values({ id, name: input.name, created_by: input.by, created_at: now }).execute();
        for (let i = 0; i < input.recipients.length; i += BATCH) {
          const rows = input.recipients.slice(i, i + BATCH).map((r, j) => toRow(id, r, i + j));
          await tx.insertInto('phishing_recipients').values(rows).execute();
        }
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicateError(input.recipients, error);
      throw error;
    }
    return { id, name: input.name, createdBy: input.by, createdAt: now, size: input.recipients.length };
  }

  async get(id: string): Promise<AudienceInfo | undefined> {
    const row = await this.store.db.selectFrom('phishing_audiences').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toAudience(row, await this.size(id));
  }

  async list(): Promise<AudienceInfo[]> {
    const rows = await this.store.db.selectFrom('phishing_audiences').selectAll().orderBy('name').orderBy('id').execute();
    const sizes = await this.store.db
      .selectFrom('phishing_recipients')
      .select(['audience_id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .groupBy('audience_id')
      .execute();
    const size = new Map(sizes.map((s) => [s.audience_id, Number(s.n)]));
    return rows.map((r) => toAudience(r, size.get(r.id) ?? 0));
  }

  /** Its recipients, in the order they were imported. */
  async recipients(audienceId: string): Promise<Recipient[]> {
    const rows = await this.store.db
      .selectFrom('phishing_recipients')
      .selectAll()
      .where('audience_id', '=', audienceId)
      .orderBy('position')
      .execute();
    return rows.map(toRecipient);
  }

  /**
   * Deletes the audience and its recipients. Campaigns made from it keep what they sent to
   * (their targets) until they are anonymised.
   */
  async remove(id: string): Promise<boolean> {
    return this.store.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('phishing_recipients').where('audience_id', '=', id).execute();
      const done = await tx.deleteFrom('phishing_audiences').where('id', '=', id).executeTakeFirst();
      return Number(done.numDeletedRows) > 0;
    });
  }

  private async size(audienceId: string): Promise<number> {
    const row = await this.store.db
      .selectFrom('phishing_recipients')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('audience_id', '=', audienceId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}

function toRow(audienceId: string, r: RecipientInput, position: number): PhishingRecipientsTable {
  return {
    id: randomUUID(),
    audience_id: audienceId,
    email: r.email.trim(),
    email_key: emailKey(r.email),
    first_name: r.firstName ?? null,
    last_name: r.lastName ?? null,
    department: r.department ?? null,
    language: r.language ?? null,
    attributes: r.attributes ? JSON.stringify(r.attributes) : null,
    position,
  };
}

function toAudience(row: PhishingAudiencesTable, size: number): AudienceInfo {
  return { id: row.id, name: row.name, createdBy: row.created_by, createdAt: Number(row.created_at), size };
}

export function toRecipient(row: PhishingRecipientsTable): Recipient {
  return {
    id: row.id,
    audienceId: row.audience_id,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    department: row.department,
    language: row.language,
    attributes: row.attributes === null ? null : (JSON.parse(row.attributes) as Record<string, string>),
  };
}

/** SQLite's and PostgreSQL's "unique constraint violated". */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

function duplicateError(recipients: readonly RecipientInput[], cause: unknown): UserError {
  const first = new Map<string, number>();
  for (const [i, r] of recipients.entries()) {
    const key = emailKey(r.email);
    const seen = first.get(key);
    if (seen !== undefined) {
      const message = `recipient ${i} (${r.email.trim()}) has the address of recipient ${seen}: nothing was imported`;
      return new UserError('FD_PHISHING_DUPLICATE_RECIPIENT', message, { cause });
    }
    first.set(key, i);
  }
  return new UserError('FD_PHISHING_DUPLICATE_RECIPIENT', 'two recipients have the same address: nothing was imported', { cause });
}
