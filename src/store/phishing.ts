import type { StoreDb } from './open.js';
import { PhishingAudiences } from './phishing-audiences.js';
import { PhishingCampaigns } from './phishing-campaigns.js';
import { PhishingOutbox } from './phishing-outbox.js';
import { PhishingTargets } from './phishing-targets.js';
import { PhishingTemplates } from './phishing-templates.js';

export { emailKey } from './phishing-audiences.js';
export type { AudienceInfo, Recipient, RecipientInput } from './phishing-audiences.js';
export { CAMPAIGN_MOVES } from './phishing-campaigns.js';
export type { CampaignInfo, CampaignInput, CampaignState } from './phishing-campaigns.js';
export { TARGET_STATUSES, TOKEN_BYTES, newToken } from './phishing-targets.js';
export type { PhishingEvent, PhishingEventInput, SendState, TargetInfo, TargetPlan, TargetStatus } from './phishing-targets.js';
export type { TemplateInfo, TemplateInput, TemplateKind } from './phishing-templates.js';

/**
 * Phishing drills in the store (store.phishing): audiences, templates, campaigns, their targets
 * with the outbox the sender works through, the tracking statuses and events, and anonymisation.
 *
 *   audience ──targets.create──▶ targets (token each) ──outbox──▶ SMTP ──▶ statuses, events
 *                                   │
 *   campaign ended + retention ──campaigns.anonymise──▶ targets keep department, language, times
 */
export class PhishingStore {
  readonly audiences: PhishingAudiences;
  readonly templates: PhishingTemplates;
  readonly campaigns: PhishingCampaigns;
  readonly targets: PhishingTargets;
  readonly outbox: PhishingOutbox;

  constructor(db: StoreDb) {
    this.audiences = new PhishingAudiences(db);
    this.templates = new PhishingTemplates(db);
    this.campaigns = new PhishingCampaigns(db);
    this.targets = new PhishingTargets(db);
    this.outbox = new PhishingOutbox(db);
  }
}
