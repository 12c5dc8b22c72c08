import { randomUUID } from 'node:crypto';
import { OperationalError } from '../errors.js';
import type { StoreDb } from './open.js';
import { isUniqueViolation } from './phishing-audiences.js';
import type { PhishingTemplatesTable } from './phishing-schema.js';

export type TemplateKind = 'email' | 'landing' | 'training';

export interface TemplateInput {
  /** Absent: a new template (version 1); present: its next version. */
  readonly id?: string | undefined;
  readonly name: string;
  readonly kind: TemplateKind;
  readonly language: string;
  /** The text fields (validated by the caller: subject, html, text, sender, headers…). */
  readonly content: unknown;
  readonly by: string;
}

export interface TemplateInfo {
  readonly id: string;
  readonly version: number;
  readonly name: string;
  readonly kind: TemplateKind;
  readonly language: string;
  readonly content: unknown;
  readonly createdBy: string;
  readonly createdAt: number;
}

/** Two replicas saving the same template at once: the loser takes the next number (this many tries). */
const SAVE_TRIES = 5;

/** Templates, every version kept: a campaign names the version it sent, which never changes. */
export class PhishingTemplates {
  constructor(private readonly store: StoreDb) {}

  /** Saves a new template, or the next version of one (its number one above the latest). */
  async save(input: TemplateInput, now = Date.now()): Promise<TemplateInfo> {
    const id = input.id ?? randomUUID();
    for (let attempt = 0; attempt < SAVE_TRIES; attempt++) {
      const latest = await this.store.db
        .selectFrom('phishing_templates')
        .select((eb) => eb.fn.max('version').as('v'))
        .where('id', '=', id)
        .executeTakeFirst();
      const row: PhishingTemplatesTable = {
        id,
        version: Number(latest?.v ?? 0) + 1,
        name: input.name,
        kind: input.kind,
        language: input.language,
        content: JSON.stringify(input.content),
        created_by: input.by,
        created_at: now,
      };
      try {
        await this.store.db.insertInto('phishing_templates').values(row).execute();
        return toTemplate(row);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
    }
    throw new OperationalError('FD_PHISHING_TEMPLATE_BUSY', `template ${id} is being saved by others: try again`);
  }

  /** The latest version, or the one asked for. */
  async get(id: string, version?: number): Promise<TemplateInfo | undefined> {
    let q = this.store.db.selectFrom('phishing_templates').selectAll().where('id', '=', id);
    q = version === undefined ? q.orderBy('version', 'desc').limit(1) : q.where('version', '=', version);
    const row = await q.executeTakeFirst();
    return row && toTemplate(row);
  }

  /** The latest version of each template, optionally of one kind, by name. */
  async list(kind?: TemplateKind): Promise<TemplateInfo[]> {
    let q = this.store.db
      .selectFrom('phishing_templates as t')
      .selectAll('t')
      .where('t.version', '=', (eb) =>
        eb
          .selectFrom('phishing_templates as l')
          .select((l) => l.fn.max('l.version').as('v'))
          .whereRef('l.id', '=', 't.id'),
      );
    if (kind !== undefined) q = q.where('t.kind', '=', kind);
    const rows = await q.orderBy('t.name').orderBy('t.language').orderBy('t.id').execute();
    return rows.map(toTemplate);
  }

  /** Every version of a template, oldest first. */
  async versions(id: string): Promise<TemplateInfo[]> {
    const rows = await this.store.db.selectFrom('phishing_templates').selectAll().where('id', '=', id).orderBy('version').execute();
    return rows.map(toTemplate);
  }
}

function toTemplate(row: PhishingTemplatesTable): TemplateInfo {
  return {
    id: row.id,
    version: Number(row.version),
    name: row.name,
    kind: row.kind as TemplateKind,
    language: row.language,
    content: JSON.parse(row.content) as unknown,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  };
}
