import { FiredrillError } from '../errors.js';
import type { StoreDb } from './open.js';
import { toTarget } from './phishing-targets.js';
import type { SendState, TargetInfo } from './phishing-targets.js';

/**
 * The outbox the SMTP sender works through, so that no target is ever sent twice, whichever
 * replica sends and whatever crashes:
 *
 *   pending ──claimNext (intent recorded)──▶ claimed ──markSent──▶ sent
 *      ▲                                       │ └──markFailed(permanent)──▶ failed
 *      └──────markFailed(temporary, retryAt)───┘
 *
 * A target claimed and never settled (its sender died between intent and confirmation) stays
 * claimed: it may have been sent, so it is never claimed again — at most once, never twice.
 */
export class PhishingOutbox {
  constructor(private readonly store: StoreDb) {}

  /**
   * Claims up to `limit` pending targets due by `now` (earliest send time first, then token:
   * a random order), recording the intent to send before anything is sent. Only while the
   * campaign is `sending`: a halted or ended campaign sends nothing more. Two replicas claiming
   * at once never get the same target (one conditional UPDATE; on PostgreSQL the rows are
   * locked and those locked by another claimer skipped).
   */
  async claimNext(campaignId: string, limit: number, now: number, by = 'sender'): Promise<TargetInfo[]> {
    if (limit <= 0) return [];
    const due = this.store.db
      .selectFrom('phishing_targets')
      .select('token')
      .where('campaign_id', '=', campaignId)
      .where('send_state', '=', 'pending')
      .where('send_after', '<=', now)
      .orderBy('send_after')
      .orderBy('token')
      .limit(limit);
    const rows = await this.store.db
      .updateTable('phishing_targets')
      .set((eb) => ({ send_state: 'claimed', send_intent_at: now, claimed_by: by, attempts: eb('attempts', '+', 1) }))
      .where('token', 'in', this.store.dialect === 'postgres' ? due.forUpdate().skipLocked() : due)
      .where('send_state', '=', 'pending')
      .where((eb) =>
        eb.exists(eb.selectFrom('phishing_campaigns').select('id').where('id', '=', campaignId).where('state', '=', 'sending')),
      )
      .returningAll()
      .execute();
    return rows.map(toTarget).sort((a, b) => a.sendAfter - b.sendAfter || (a.token < b.token ? -1 : 1));
  }

  /** The SMTP server took the message: false if the target was not claimed (settled already). */
  async markSent(token: string, sent: { messageId: string | null; at: number }): Promise<boolean> {
    const done = await this.store.db
      .updateTable('phishing_targets')
      .set({ send_state: 'sent', sent_at: sent.at, message_id: sent.messageId, failed_reason: null })
      .where('token', '=', token)
      .where('send_state', '=', 'claimed')
      .executeTakeFirst();
    return Number(done.numUpdatedRows) === 1;
  }

  /**
   * The SMTP server refused it: for good (`permanent`: failed), or for now (`temporary`: pending
   * again, not before `retryAt`). False if the target was not claimed.
   */
  async markFailed(token: string, failure: { kind: 'permanent' | 'temporary'; reason: string; retryAt?: number }): Promise<boolean> {
    if (failure.kind === 'temporary' && failure.retryAt === undefined) {
      throw new FiredrillError('FD_PHISHING_NO_RETRY_TIME', 'a temporary failure needs the time to retry at');
    }
    const done = await this.store.db
      .updateTable('phishing_targets')
      .set(
        failure.kind === 'permanent'
          ? { send_state: 'failed', failed_reason: failure.reason }
          : { send_state: 'pending', failed_reason: failure.reason, send_after: failure.retryAt, send_intent_at: null, claimed_by: null },
      )
      .where('token', '=', token)
      .where('send_state', '=', 'claimed')
      .executeTakeFirst();
    return Number(done.numUpdatedRows) === 1;
  }

  /** How many of the campaign's targets are in each send state: sending is over when none is pending or claimed. */
  async counts(campaignId: string): Promise<Record<SendState, number>> {
    const rows = await this.store.db
      .selectFrom('phishing_targets')
      .select(['send_state', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('campaign_id', '=', campaignId)
      .groupBy('send_state')
      .execute();
    const counts: Record<SendState, number> = { pending: 0, claimed: 0, sent: 0, failed: 0 };
    for (const r of rows) counts[r.send_state as SendState] = Number(r.n);
    return counts;
  }

  /** Targets claimed before `before` and never settled: maybe sent, never sent again — for a person to look at. */
  async unsettled(campaignId: string, before: number): Promise<TargetInfo[]> {
    const rows = await this.store.db
      .selectFrom('phishing_targets')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .where('send_state', '=', 'claimed')
      .where('send_intent_at', '<', before)
      .orderBy('send_intent_at')
      .execute();
    return rows.map(toTarget);
  }
}
