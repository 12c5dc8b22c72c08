import type { Kysely, Migration } from 'kysely';

/**
 * 0010-phishing: audiences and their recipients, versioned templates, campaigns, one target per
 * recipient of a campaign (its token, the outbox, the status times) and the tracking events.
 * Released migrations never change: the next change is 0011.
 */
export const phishingMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('phishing_audiences')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    // Case-insensitive uniqueness through a column normalised in JS: SQLite's lower() folds only
    // ASCII and PostgreSQL's follows the collation, so an index on lower(email) would differ.
    await db.schema
      .createTable('phishing_recipients')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('audience_id', 'text', (c) => c.notNull().references('phishing_audiences.id'))
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('email_key', 'text', (c) => c.notNull())
      .addColumn('first_name', 'text')
      .addColumn('last_name', 'text')
      .addColumn('department', 'text')
      .addColumn('language', 'text')
      .addColumn('attributes', 'text')
      .addColumn('position', 'integer', (c) => c.notNull())
      .addUniqueConstraint('phishing_recipients_email', ['audience_id', 'email_key'])
      .execute();
    await db.schema
      .createTable('phishing_templates')
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('language', 'text', (c) => c.notNull())
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('phishing_templates_pk', ['id', 'version'])
      .execute();
    await db.schema
      .createTable('phishing_campaigns')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('spec', 'text', (c) => c.notNull())
      .addColumn('retention_days', 'integer', (c) => c.notNull())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('launched_at', 'bigint')
      .addColumn('ended_at', 'bigint')
      .addColumn('anonymise_at', 'bigint')
      .addColumn('anonymised_at', 'bigint')
      .addColumn('drill_id', 'text')
      .addColumn('launch_id', 'text')
      .execute();
    await db.schema.createIndex('phishing_campaigns_state').on('phishing_campaigns').column('state').execute();
    await db.schema.createIndex('phishing_campaigns_anonymise').on('phishing_campaigns').columns(['anonymise_at']).execute();
    await db.schema
      .createTable('phishing_targets')
      .addColumn('token', 'text', (c) => c.primaryKey())
      .addColumn('campaign_id', 'text', (c) => c.notNull().references('phishing_campaigns.id'))
      .addColumn('recipient_id', 'text')
      .addColumn('email', 'text')
      .addColumn('email_key', 'text')
      .addColumn('first_name', 'text')
      .addColumn('last_name', 'text')
      .addColumn('attributes', 'text')
      .addColumn('department', 'text')
      .addColumn('language', 'text')
      .addColumn('lure', 'text', (c) => c.notNull())
      .addColumn('template_id', 'text')
      .addColumn('template_version', 'integer')
      .addColumn('send_state', 'text', (c) => c.notNull())
      .addColumn('send_after', 'bigint', (c) => c.notNull())
      .addColumn('send_intent_at', 'bigint')
      .addColumn('claimed_by', 'text')
      .addColumn('sent_at', 'bigint')
      .addColumn('message_id', 'text')
      .addColumn('failed_reason', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('delivered_at', 'bigint')
      .addColumn('opened_at', 'bigint')
      .addColumn('clicked_at', 'bigint')
      .addColumn('submitted_at', 'bigint')
      .addColumn('reported_at', 'bigint')
      .addColumn('trained_at', 'bigint')
      .addColumn('scanner_clicks', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createIndex('phishing_targets_outbox')
      .on('phishing_targets')
      .columns(['campaign_id', 'send_state', 'send_after'])
      .execute();
    // A person's own results ("my drills"), until anonymised.
    await db.schema.createIndex('phishing_targets_person').on('phishing_targets').column('email_key').execute();
    await db.schema
      .createTable('phishing_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('campaign_id', 'text', (c) => c.notNull().references('phishing_campaigns.id'))
      .addColumn('token', 'text')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('detail', 'text')
      .execute();
    await db.schema.createIndex('phishing_events_campaign').on('phishing_events').columns(['campaign_id', 'seq']).execute();
    await db.schema.createIndex('phishing_events_token').on('phishing_events').column('token').execute();
  },
};
