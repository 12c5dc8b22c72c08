/**
 * The phishing drills' tables (migration 0010-phishing), as kysely sees them. Personal data lives
 * in two places only: an audience's recipients, and a campaign's targets until the campaign is
 * anonymised (then only department, language, lure and the status times are left).
 */
export interface PhishingTables {
  phishing_audiences: PhishingAudiencesTable;
  phishing_recipients: PhishingRecipientsTable;
  phishing_templates: PhishingTemplatesTable;
  phishing_campaigns: PhishingCampaignsTable;
  phishing_targets: PhishingTargetsTable;
  phishing_events: PhishingEventsTable;
}

export interface PhishingAudiencesTable {
  id: string;
  name: string;
  created_by: string;
  created_at: number;
}

export interface PhishingRecipientsTable {
  id: string;
  audience_id: string;
  email: string;
  /** The address trimmed and lower-cased (in JS, the same on both databases): unique per audience. */
  email_key: string;
  first_name: string | null;
  last_name: string | null;
  department: string | null;
  language: string | null;
  /** JSON object of strings, or null. */
  attributes: string | null;
  /** Its place in the import (0-based), to list an audience in the order it was given. */
  position: number;
}

export interface PhishingTemplatesTable {
  /** Stable across versions: (id, version) is the key. */
  id: string;
  version: number;
  name: string;
  /** email | landing | training */
  kind: string;
  language: string;
  /** JSON: the text fields (subject, html, text, sender, headers… for an email). */
  content: string;
  created_by: string;
  created_at: number;
}

export interface PhishingCampaignsTable {
  id: string;
  name: string;
  /** draft | scheduled | sending | running | ended */
  state: string;
  /** JSON: audience, templates, lure kinds, window, rate, retention days. */
  spec: string;
  /** Days after its end when its results are anonymised. */
  retention_days: number;
  /** The user who owns it. */
  owner: string;
  created_at: number;
  updated_at: number;
  launched_at: number | null;
  ended_at: number | null;
  /** ended_at + retention, set when it ends. */
  anonymise_at: number | null;
  anonymised_at: number | null;
  /** The drill (and its launch) that started it, if one did. */
  drill_id: string | null;
  launch_id: string | null;
}

export interface PhishingTargetsTable {
  /** Random, ≥ 128 bits: the tracking id in links, QR codes and USB keys. */
  token: string;
  campaign_id: string;
  /** The recipient it was made from, and what was sent to: null once anonymised. */
  recipient_id: string | null;
  email: string | null;
  /** The address trimmed and lower-cased: a person finds their own results by it. */
  email_key: string | null;
  first_name: string | null;
  last_name: string | null;
  attributes: string | null;
  /** Copied from the recipient: kept through anonymisation, for the aggregates. */
  department: string | null;
  language: string | null;
  /** email | qr | usb */
  lure: string;
  template_id: string | null;
  template_version: number | null;
  /** The outbox: pending → claimed (send intent recorded) → sent | failed; a temporary failure is pending again. */
  send_state: string;
  /** Not sent before then (its place in the sending window, or its retry time). */
  send_after: number;
  send_intent_at: number | null;
  claimed_by: string | null;
  sent_at: number | null;
  message_id: string | null;
  failed_reason: string | null;
  attempts: number;
  /** Each set once, at its first occurrence. */
  delivered_at: number | null;
  opened_at: number | null;
  clicked_at: number | null;
  submitted_at: number | null;
  reported_at: number | null;
  trained_at: number | null;
  /** Clicks taken for a mail scanner's or a bot's, counted apart. */
  scanner_clicks: number;
}

export interface PhishingEventsTable {
  id: string;
  campaign_id: string;
  token: string | null;
  /** delivered | opened | clicked | scanner-click | submitted | reported | trained | … */
  kind: string;
  at: number;
  seq: number;
  /** JSON: what explains it (a scanner click's reason…) — never a submitted field's value. */
  detail: string | null;
}
