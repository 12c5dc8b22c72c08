import { sql } from 'kysely';
import type { RecipientInput } from '../../src/store/phishing.js';
import type { Store } from '../../src/store/store.js';

const DEPARTMENTS = ['sales', 'warehouse', 'finance', 'it'] as const;

/** `n` fictional people of `domain`, in four departments, half in French. */
export function people(n: number, domain = 'example.test'): RecipientInput[] {
  return Array.from({ length: n }, (_, i) => ({
    email: `person.${i}@${domain}`,
    firstName: `First${i}`,
    lastName: `Last${i}`,
    department: DEPARTMENTS[i % DEPARTMENTS.length] ?? 'sales',
    language: i % 2 ? 'fr' : 'en',
    attributes: { site: `site-${i % 3}` },
  }));
}

export const SPEC = { lures: ['email', 'qr'], window: { from: '09:00', to: '17:00', tz: 'Europe/Paris' }, rate: 60 };

/** Every table of the store whose name starts with phishing_ (found by introspection: a new one is included). */
export async function phishingTables(store: Store): Promise<string[]> {
  const tables = await store.db.db.introspection.getTables();
  return tables
    .map((t) => t.name)
    .filter((name) => name.startsWith('phishing_'))
    .sort();
}

/** Every row of a table, every column, as JSON text. */
export async function tableText(store: Store, table: string): Promise<string> {
  const rows = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(store.db.db);
  return JSON.stringify(rows.rows);
}

/** A campaign in `sending` with targets for every recipient of a new audience of `n` people. */
export async function sendingCampaign(store: Store, n: number, name = 'c'): Promise<{ campaignId: string; audienceId: string }> {
  const audience = await store.phishing.audiences.create({ name: `${name}-audience`, by: 'pat', recipients: people(n, `${name}.test`) });
  const campaign = await store.phishing.campaigns.create({ name, spec: SPEC, retentionDays: 30, owner: 'pat' });
  await store.phishing.targets.create(campaign.id, audience.id);
  await store.phishing.campaigns.transition(campaign.id, 'draft', 'sending', 1000);
  return { campaignId: campaign.id, audienceId: audience.id };
}
