import type { Generated } from 'kysely';
import type { PhishingTables } from './phishing-schema.js';

/**
 * The control plane's tables, as kysely sees them. One shape for SQLite and PostgreSQL: times are
 * epoch milliseconds (bigint, read back as numbers), flags are 0/1 integers, structured values
 * are JSON text. Migrations (migrations.ts) create exactly this.
 */
export interface StoreTables extends PhishingTables {
  users: UsersTable;
  role_bindings: RoleBindingsTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  experiments: ExperimentsTable;
  experiment_versions: ExperimentVersionsTable;
  runs: RunsTable;
  run_events: RunEventsTable;
  run_journals: RunJournalsTable;
  agents: AgentsTable;
  audit: AuditTable;
  settings: SettingsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  drills: DrillsTable;
  drill_launches: DrillLaunchesTable;
  blackouts: BlackoutsTable;
  incidents: IncidentsTable;
  alerts: AlertsTable;
  gamedays: GameDaysTable;
  gameday_events: GameDayEventsTable;
}

export interface GameDaysTable {
  id: string;
  name: string;
  title: string;
  /** The validated definition (JSON), scenario included: never shown to responders. */
  spec: string;
  yaml: string;
  /** draft | running | ended */
  state: string;
  /** The replica driving it while it runs, and until when. */
  owner: string | null;
  lease_until: number | null;
  /** Its steps and measures so far (JSON). */
  progress: string | null;
  launched_at: number | null;
  ended_at: number | null;
  revealed_at: number | null;
  created_by: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  /** What the team wrote in the review (JSON { learnt, actions }). */
  review_notes: string | null;
  /** When it plays again (a re-run to verify the fix). */
  rerun_at: number | null;
}

export interface GameDayEventsTable {
  id: string;
  gameday_id: string;
  /** declare (a responder) | command (the facilitator) | comcheck (someone reached the console) */
  kind: string;
  /** The responder's team; null for a command. */
  team: string | null;
  /** detected | acknowledged | diagnosed | contained | recovered; inject | pause | resume | end */
  what: string;
  by_user: string;
  at: number;
  seq: number;
  detail: string | null;
  /** The suspected cause, JSON { service?, fault? }. */
  cause: string | null;
}

export interface AlertsTable {
  id: string;
  source: string;
  /** firing | resolved */
  status: string;
  /** JSON objects of strings. */
  labels: string;
  annotations: string;
  received_at: number;
  /** Orders the alerts received in one millisecond (those of one payload). */
  seq: number;
}

export interface DrillsTable {
  id: string;
  name: string;
  title: string;
  team: string;
  kind: string;
  /** announced | window | unannounced */
  announcement: string;
  /** Who answers "is this a drill?" for it. */
  facilitator: string;
  /** JSON: the validated definition. */
  spec: string;
  /** The definition as written (YAML). */
  yaml: string;
  enabled: number;
  created_by: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface DrillLaunchesTable {
  id: string;
  drill_id: string;
  due_at: number;
  /** planned | claimed | launched | ended | skipped | missed | failed */
  state: string;
  reason: string | null;
  run_id: string | null;
  claimed_by: string | null;
  claim_expires_at: number | null;
  launched_at: number | null;
  ended_at: number | null;
  verdict: string | null;
  revealed_at: number | null;
}

export interface BlackoutsTable {
  id: string;
  /** Null: every team. */
  team: string | null;
  name: string;
  /** JSON: the blackout as written. */
  spec: string;
  created_by: string;
  created_at: number;
}

export interface IncidentsTable {
  id: string;
  team: string | null;
  title: string;
  opened_by: string;
  opened_at: number;
  closed_by: string | null;
  closed_at: number | null;
}

export interface UsersTable {
  id: string;
  name: string;
  password_hash: string | null;
  created_at: number;
  disabled_at: number | null;
}

export interface RoleBindingsTable {
  user_id: string;
  role: string;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  /** sha256 of the token: the token itself is shown once, never stored. */
  hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface SessionsTable {
  /** sha256 of the session cookie's value. */
  id_hash: string;
  user_id: string;
  csrf: string;
  created_at: number;
  expires_at: number;
}

export interface ExperimentsTable {
  id: string;
  name: string;
  title: string;
  /** 1: a secret scenario (villains and facilitators only, until revealed). */
  secret: number;
  created_by: string;
  created_at: number;
  updated_at: number;
  latest_version: number;
  deleted_at: number | null;
}

export interface ExperimentVersionsTable {
  experiment_id: string;
  version: number;
  yaml: string;
  author: string;
  created_at: number;
}

export interface RunsTable {
  id: string;
  experiment_id: string | null;
  experiment_version: number | null;
  title: string;
  /** queued | running | ended */
  state: string;
  verdict: string | null;
  reason: string | null;
  secret: number;
  revealed_at: number | null;
  started_by: string;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  /** The replica running it, and until when its claim holds (renewed while it runs). */
  owner: string | null;
  lease_expires_at: number | null;
  /** Set by whichever replica was asked to cancel; the owner aborts the run at its next renewal. */
  cancel_requested_at: number | null;
  cancel_reason: string | null;
  /** JSON: tags of the experiment, for filters. */
  tags: string;
  /** What it hit, in a few words (null until its targets are resolved). */
  targets: string | null;
  /** JSON: the run's request (yaml, variables, seed, dry run). */
  request: string;
}

export interface RunJournalsTable {
  run_id: string;
  /** JSON: the journal of an ended run. */
  journal: string;
}

export interface RunEventsTable {
  run_id: string;
  seq: number;
  at: number;
  type: string;
  data: string;
}

export interface AgentsTable {
  id: string;
  name: string | null;
  /** Where the server host keeps the agent's token: a file or an environment variable. */
  token_file: string | null;
  token_env: string | null;
  ca: string | null;
  url: string;
  labels: string;
  version: string | null;
  registered_at: number;
  last_seen_at: number | null;
  reachable: number;
}

export interface AuditTable {
  id: Generated<number>;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  address: string | null;
  outcome: string;
  detail: string | null;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

export interface WebhooksTable {
  id: string;
  url: string;
  /** `slack` (text and blocks) or `generic` (JSON signed with HMAC-SHA256). */
  kind: string;
  /** The HMAC key of a generic webhook: it must sign, so it is kept (the API never shows it again). */
  secret: string | null;
  /** JSON: the events it wants. */
  events: string;
  created_by: string;
  created_at: number;
  deleted_at: number | null;
}

export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  event: string;
  payload: string;
  /** pending | delivered | failed */
  status: string;
  attempts: number;
  next_attempt_at: number;
  /** A replica sending it holds it until then. */
  claimed_until: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
  /** Orders a subscription's deliveries: queue time in µs, made unique within a process. */
  seq: number | null;
}
