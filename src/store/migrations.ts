import { sql, type Kysely, type Migration } from 'kysely';
import { phishingMigration } from './migration-0010-phishing.js';
import type { StoreDialect } from './open.js';

/**
 * The store's migrations, in order; one set for SQLite and PostgreSQL (only types both know:
 * text, integer, bigint). A migration, once released, never changes: add the next one. Their
 * names sort in order (the migrator runs them sorted), and the last name is the schema version
 * this build knows; a store that has run a name not listed here is newer than this build.
 */
export function migrations(dialect: StoreDialect): Readonly<Record<string, Migration>> {
  return {
    '0001-initial': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('users')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('password_hash', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('disabled_at', 'bigint')
          .execute();
        await db.schema
          .createTable('role_bindings')
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('role', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('role_bindings_pk', ['user_id', 'role'])
          .execute();
        await db.schema
          .createTable('api_tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('hash', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint')
          .addColumn('revoked_at', 'bigint')
          .addColumn('last_used_at', 'bigint')
          .execute();
        await db.schema
          .createTable('sessions')
          .addColumn('id_hash', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('csrf', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('experiments')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('secret', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('latest_version', 'integer', (c) => c.notNull())
          .addColumn('deleted_at', 'bigint')
          .execute();
        await db.schema
          .createTable('experiment_versions')
          .addColumn('experiment_id', 'text', (c) => c.notNull().references('experiments.id'))
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('yaml', 'text', (c) => c.notNull())
          .addColumn('author', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('experiment_versions_pk', ['experiment_id', 'version'])
          .execute();
        await db.schema
          .createTable('runs')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('experiment_id', 'text')
          .addColumn('experiment_version', 'integer')
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('verdict', 'text')
          .addColumn('reason', 'text')
          .addColumn('secret', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('revealed_at', 'bigint')
          .addColumn('started_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('started_at', 'bigint')
          .addColumn('ended_at', 'bigint')
          .addColumn('owner', 'text')
          .addColumn('lease_expires_at', 'bigint')
          .addColumn('cancel_requested_at', 'bigint')
          .addColumn('cancel_reason', 'text')
          .addColumn('tags', 'text', (c) => c.notNull())
          .addColumn('request', 'text', (c) => c.notNull())
          .execute();
        // Journals apart: a page of runs then reads small rows, never a journal.
        await db.schema
          .createTable('run_journals')
          .addColumn('run_id', 'text', (c) => c.primaryKey())
          .addColumn('journal', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('runs_created').on('runs').columns(['created_at', 'id']).execute();
        await db.schema.createIndex('runs_state').on('runs').columns(['state', 'lease_expires_at']).execute();
        await db.schema
          .createTable('run_events')
          .addColumn('run_id', 'text', (c) => c.notNull())
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('run_events_pk', ['run_id', 'seq'])
          .execute();
        await db.schema
          .createTable('agents')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('url', 'text', (c) => c.notNull().unique())
          .addColumn('labels', 'text', (c) => c.notNull())
          .addColumn('version', 'text')
          .addColumn('registered_at', 'bigint', (c) => c.notNull())
          .addColumn('last_seen_at', 'bigint')
          .addColumn('reachable', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .createTable('audit')
          .$call((table) =>
            // The one column whose type differs: SQLite's rowid alias, PostgreSQL's sequence.
            dialect === 'sqlite'
              ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
              : table.addColumn('id', 'bigserial', (c) => c.primaryKey()),
          )
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('target', 'text')
          .addColumn('address', 'text')
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('detail', 'text')
          .execute();
        await db.schema.createIndex('audit_at').on('audit').columns(['at']).execute();
        await db.schema
          .createTable('settings')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0002-webhooks': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('webhooks')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('secret', 'text')
          .addColumn('events', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('deleted_at', 'bigint')
          .execute();
        await db.schema
          .createTable('webhook_deliveries')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id'))
          .addColumn('event', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
          .addColumn('claimed_until', 'bigint')
          .addColumn('last_status', 'integer')
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('delivered_at', 'bigint')
          .execute();
        await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
      },
    },
    '0003-agent-registry': {
      async up(db: Kysely<unknown>): Promise<void> {
        // Agents registered through the API: how to reach each one. Its token never enters the
        // store — only where the server host keeps it (a file or an environment variable).
        await db.schema.alterTable('agents').addColumn('name', 'text').execute();
        await db.schema.alterTable('agents').addColumn('token_file', 'text').execute();
        await db.schema.alterTable('agents').addColumn('token_env', 'text').execute();
        await db.schema.alterTable('agents').addColumn('ca', 'text').execute();
        await db.schema.createIndex('agents_name').on('agents').column('name').unique().execute();
      },
    },
    '0004-run-targets': {
      async up(db: Kysely<unknown>): Promise<void> {
        // What a run hit, in a few words, for the runs list (set once its targets are resolved).
        await db.schema.alterTable('runs').addColumn('targets', 'text').execute();
      },
    },
    '0005-drills': {
      async up(db: Kysely<unknown>): Promise<void> {
        // Drills launched by the control plane, each definition kept as its validated JSON and its text.
        await db.schema
          .createTable('drills')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('team', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('announcement', 'text', (c) => c.notNull())
          .addColumn('facilitator', 'text', (c) => c.notNull())
          .addColumn('spec', 'text', (c) => c.notNull())
          .addColumn('yaml', 'text', (c) => c.notNull())
          .addColumn('enabled', 'integer', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('deleted_at', 'bigint')
          .execute();
        await db.schema.createIndex('drills_name').on('drills').column('name').execute();
        // One row per due launch: the (drill, due time) pair is unique, so two replicas that
        // plan the same launch make one row, and only one of them can claim it.
        await db.schema
          .createTable('drill_launches')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('drill_id', 'text', (c) => c.notNull())
          .addColumn('due_at', 'bigint', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('run_id', 'text')
          .addColumn('claimed_by', 'text')
          .addColumn('claim_expires_at', 'bigint')
          .addColumn('launched_at', 'bigint')
          .addColumn('ended_at', 'bigint')
          .addColumn('verdict', 'text')
          .addColumn('revealed_at', 'bigint')
          .addUniqueConstraint('drill_launches_due', ['drill_id', 'due_at'])
          .execute();
        await db.schema.createIndex('drill_launches_state_due').on('drill_launches').columns(['state', 'due_at']).execute();
        await db.schema.createIndex('drill_launches_run').on('drill_launches').column('run_id').execute();
        // Blackouts (global when team is null) and incidents declared open through the API.
        await db.schema
          .createTable('blackouts')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('team', 'text')
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('spec', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('incidents')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('team', 'text')
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('opened_by', 'text', (c) => c.notNull())
          .addColumn('opened_at', 'bigint', (c) => c.notNull())
          .addColumn('closed_by', 'text')
          .addColumn('closed_at', 'bigint')
          .execute();
      },
    },
    '0006-webhook-order': {
      async up(db: Kysely<unknown>): Promise<void> {
        // A subscription's events are sent in the order they happened: `seq` orders them even
        // when two were queued in the same millisecond (rows from before keep their queue time).
        await db.schema.alterTable('webhook_deliveries').addColumn('seq', 'bigint').execute();
        await sql`update webhook_deliveries set seq = created_at * 1000`.execute(db);
        await db.schema.createIndex('webhook_deliveries_order').on('webhook_deliveries').columns(['webhook_id', 'status', 'seq']).execute();
      },
    },
    '0007-alerts': {
      async up(db: Kysely<unknown>): Promise<void> {
        // Alerts received at /api/v1/alerts/SOURCE (Alertmanager's webhook, generic JSON): what
        // expectations match, whichever replica received them.
        await db.schema
          .createTable('alerts')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('labels', 'text', (c) => c.notNull())
          .addColumn('annotations', 'text', (c) => c.notNull())
          .addColumn('received_at', 'bigint', (c) => c.notNull())
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('alerts_received').on('alerts').columns(['received_at', 'seq']).execute();
      },
    },
    '0008-gamedays': {
      async up(db: Kysely<unknown>): Promise<void> {
        // Game days: a secret scenario and its progress, driven by one replica under a lease (taken
        // over by another if it dies: the times are in the store).
        await db.schema
          .createTable('gamedays')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('spec', 'text', (c) => c.notNull())
          .addColumn('yaml', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('owner', 'text')
          .addColumn('lease_until', 'bigint')
          .addColumn('progress', 'text')
          .addColumn('launched_at', 'bigint')
          .addColumn('ended_at', 'bigint')
          .addColumn('revealed_at', 'bigint')
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('deleted_at', 'bigint')
          .execute();
        await db.schema.createIndex('gamedays_name').on('gamedays').column('name').execute();
        await db.schema.createIndex('gamedays_state').on('gamedays').column('state').execute();
        // What the responders declare ("detected", "contained"…) and the facilitator's commands
        // (inject, pause, resume, end), from any replica; the driver reads them in order.
        await db.schema
          .createTable('gameday_events')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('gameday_id', 'text', (c) => c.notNull().references('gamedays.id'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('team', 'text')
          .addColumn('what', 'text', (c) => c.notNull())
          .addColumn('by_user', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addColumn('detail', 'text')
          .addColumn('cause', 'text')
          .execute();
        await db.schema.createIndex('gameday_events_day').on('gameday_events').columns(['gameday_id', 'seq']).execute();
      },
    },
    '0009-gameday-review': {
      async up(db: Kysely<unknown>): Promise<void> {
        // What the team wrote in the review (what was learnt, action items), and when the same
        // scenario plays again to verify the fix.
        await db.schema.alterTable('gamedays').addColumn('review_notes', 'text').execute();
        await db.schema.alterTable('gamedays').addColumn('rerun_at', 'bigint').execute();
      },
    },
    // Phishing drills (issue 15): in a file of its own, this one being long enough.
    '0010-phishing': phishingMigration,
  };
}

/** The newest migration this build knows: the schema version it expects. */
export const SCHEMA_VERSION = Object.keys(migrations('sqlite')).sort().at(-1) ?? '';
