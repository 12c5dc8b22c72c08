import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailKey } from '../../src/store/phishing.js';
import type { TargetInfo } from '../../src/store/phishing.js';
import { Store } from '../../src/store/store.js';
import { DIALECTS, storeSite } from './fixtures.js';
import type { StoreSite } from './fixtures.js';
import { people, phishingTables, sendingCampaign, SPEC, tableText } from './phishing-fixtures.js';

const DAY = 86_400_000;

describe.each(DIALECTS)('phishing drills in the store on %s', (dialect) => {
  let site: StoreSite;
  let store: Store;
  let other: Store;

  beforeAll(async () => {
    site = await storeSite(dialect);
    const location = await site.location();
    store = await Store.open(location);
    other = await Store.open(location); // a second replica's connection
  }, 60_000);

  afterAll(async () => {
    await other?.close();
    await store?.close();
    await site?.close();
  });

  it('imports an audience whole, in order, and lists, reads and deletes it', async () => {
    const audience = await store.phishing.audiences.create({ name: 'everyone', by: 'pat', recipients: people(1200) }, 5000);
    expect(audience).toMatchObject({ name: 'everyone', createdBy: 'pat', createdAt: 5000, size: 1200 });
    expect(await store.phishing.audiences.get(audience.id)).toEqual(audience);
    const recipients = await store.phishing.audiences.recipients(audience.id);
    expect(recipients).toHaveLength(1200);
    expect(recipients[7]).toMatchObject({
      email: 'person.7@example.test',
      department: 'it',
      language: 'fr',
      attributes: { site: 'site-1' },
    });
    expect((await store.phishing.audiences.list()).map((a) => [a.name, a.size])).toContainEqual(['everyone', 1200]);
    expect(await store.phishing.audiences.remove(audience.id)).toBe(true);
    expect(await store.phishing.audiences.remove(audience.id)).toBe(false);
    expect(await store.phishing.audiences.get(audience.id)).toBeUndefined();
    expect(await store.phishing.audiences.recipients(audience.id)).toEqual([]);
  });

  it('imports nothing when one recipient of the last batch repeats an earlier address in another case', async () => {
    const before = await counts(store);
    const recipients = people(1200, 'allornothing.test');
    recipients[1100] = { ...recipients[1100], email: '  PERSON.3@AllOrNothing.TEST ' };
    const error = await store.phishing.audiences.create({ name: 'broken', by: 'pat', recipients }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UserError', code: 'FD_PHISHING_DUPLICATE_RECIPIENT' });
    expect((error as Error).message).toBe(
      'recipient 1100 (PERSON.3@AllOrNothing.TEST) has the address of recipient 3: nothing was imported',
    );
    // The first two batches had been inserted inside the transaction: rolled back with it.
    expect(await counts(store)).toEqual(before);
    expect((await store.phishing.audiences.list()).map((a) => a.name)).not.toContain('broken');
  });

  it('refuses in the database itself a second recipient of an audience whose address differs only in case', async () => {
    const audience = await store.phishing.audiences.create({ name: 'small', by: 'pat', recipients: [{ email: 'Ann@Example.test' }] });
    const row = { audience_id: audience.id, first_name: null, last_name: null, department: null, language: null, attributes: null };
    const insert = (id: string, email: string) =>
      store.db.db
        .insertInto('phishing_recipients')
        .values({ ...row, id, email, email_key: emailKey(email), position: 1 })
        .execute();
    await expect(insert('r-dup', 'ann@EXAMPLE.test')).rejects.toThrow();
    await insert('r-ok', 'ann2@example.test'); // another address is welcome
    const other = await store.phishing.audiences.create({ name: 'other', by: 'pat', recipients: [{ email: 'ann@example.test' }] });
    expect(other.size).toBe(1); // the same person may be in two audiences
  });

  it('saves templates as versions, the latest by default, every version kept', async () => {
    const first = await store.phishing.templates.save(
      { name: 'parcel', kind: 'email', language: 'en', content: { subject: 'Your parcel' }, by: 'pat' },
      1,
    );
    expect(first.version).toBe(1);
    const second = await store.phishing.templates.save({ ...first, content: { subject: 'Your parcel is waiting' }, by: 'sam' }, 2);
    expect(second).toMatchObject({ id: first.id, version: 2, createdBy: 'sam' });
    // Two replicas saving at once: each gets its own number.
    const both = await Promise.all([
      store.phishing.templates.save({ ...first, content: { subject: 'a' }, by: 'a' }),
      other.phishing.templates.save({ ...first, content: { subject: 'b' }, by: 'b' }),
    ]);
    expect(both.map((t) => t.version).sort()).toEqual([3, 4]);
    const training = await store.phishing.templates.save({
      name: 'parcel-lesson',
      kind: 'training',
      language: 'fr',
      content: {},
      by: 'pat',
    });
    expect((await store.phishing.templates.get(first.id))?.version).toBe(4);
    expect(await store.phishing.templates.get(first.id, 2)).toMatchObject({ content: { subject: 'Your parcel is waiting' } });
    expect((await store.phishing.templates.versions(first.id)).map((t) => t.version)).toEqual([1, 2, 3, 4]);
    expect((await store.phishing.templates.list()).map((t) => [t.name, t.version])).toEqual([
      ['parcel', 4],
      ['parcel-lesson', 1],
    ]);
    expect((await store.phishing.templates.list('training')).map((t) => t.id)).toEqual([training.id]);
  });

  it('moves a campaign only along its state machine, and only once when two replicas move it at once', async () => {
    const c = await store.phishing.campaigns.create({ name: 'weekly', spec: SPEC, retentionDays: 30, owner: 'pat', drillId: 'd-1' }, 100);
    expect(c).toMatchObject({ state: 'draft', drillId: 'd-1', launchId: null, spec: SPEC, createdAt: 100 });
    expect(await store.phishing.campaigns.update(c.id, { name: 'weekly lure' }, 150)).toBe(true);
    await expect(store.phishing.campaigns.transition(c.id, 'draft', 'running')).rejects.toThrow(/cannot go from draft to running/);
    expect(await store.phishing.campaigns.transition(c.id, 'draft', 'scheduled', 200)).toBe(true);
    const moves = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? store : other).phishing.campaigns.transition(c.id, 'scheduled', 'sending', 300 + i)),
    );
    expect(moves.filter(Boolean)).toHaveLength(1);
    const sending = await store.phishing.campaigns.get(c.id);
    expect(sending).toMatchObject({ state: 'sending', name: 'weekly lure', launchedAt: 300 + moves.indexOf(true) });
    expect(await store.phishing.campaigns.update(c.id, { name: 'too late' })).toBe(false);
    expect(await store.phishing.campaigns.transition(c.id, 'draft', 'sending')).toBe(false); // not a draft any more
    expect(await store.phishing.campaigns.transition(c.id, 'sending', 'running', 400)).toBe(true);
    expect(await store.phishing.campaigns.transition(c.id, 'running', 'ended', 500)).toBe(true);
    await expect(store.phishing.campaigns.transition(c.id, 'ended', 'draft')).rejects.toThrow(/cannot go from ended/);
    // 30 days in ms passes 2^31: computed in bigint on PostgreSQL.
    expect(await store.phishing.campaigns.get(c.id)).toMatchObject({ state: 'ended', endedAt: 500, anonymiseAt: 500 + 30 * DAY });
    expect((await store.phishing.campaigns.list({ states: ['ended'] })).map((x) => x.id)).toContain(c.id);
  });

  it('anonymises an ended campaign past its retention: aggregates intact, its address nowhere in any phishing table', async () => {
    const { campaignId, audienceId } = await sendingCampaign(store, 12, 'anon');
    const claimed = await store.phishing.outbox.claimNext(campaignId, 100, 2000);
    const [bounced, ...sent] = claimed as [TargetInfo, ...TargetInfo[]];
    await store.phishing.outbox.markFailed(bounced.token, { kind: 'permanent', reason: `550 5.1.1 <${bounced.email}>: no such user` });
    for (const t of sent) await store.phishing.outbox.markSent(t.token, { messageId: `<${t.token}@firedrill>`, at: 2100 });
    for (const [i, t] of sent.entries()) {
      await store.phishing.targets.mark(t.token, 'delivered', 2200);
      if (i % 2 === 0) await store.phishing.targets.mark(t.token, 'clicked', 3000 + i);
      if (i % 3 === 0) await store.phishing.targets.mark(t.token, 'reported', 4000 + i);
      // The report mailbox named the reporter (in another case): gone with the anonymisation.
      if (i % 3 === 0)
        await store.phishing.targets.addEvent({
          campaignId,
          token: t.token,
          kind: 'reported',
          at: 4000 + i,
          detail: { from: t.email?.toUpperCase() },
        });
    }
    const scanned = sent[0]?.token ?? '';
    await store.phishing.targets.scannerClick(scanned, 2150, 'clicked 1 s after delivery from a data-centre range');
    const aggregates = async () => (await store.phishing.targets.list(campaignId)).map(aggregateView);
    const before = await aggregates();
    const addresses = sent.map((t) => t.email ?? '').concat(bounced.email ?? '');

    // Each person finds their own results, in any case of their address, until the anonymisation.
    const mine = async () => (await store.phishing.targets.ofPerson(` ${sent[0]?.email?.toUpperCase() ?? ''}`)).map((t) => t.token);
    expect(await mine()).toEqual([scanned]);
    expect(await store.phishing.campaigns.anonymise(campaignId, 5000)).toBe(false); // not ended: nothing done
    expect(await store.phishing.campaigns.transition(campaignId, 'sending', 'ended', 10 * DAY)).toBe(true);
    expect((await store.phishing.campaigns.dueForAnonymisation(40 * DAY - 1)).map((c) => c.id)).not.toContain(campaignId);
    expect((await store.phishing.campaigns.dueForAnonymisation(40 * DAY)).map((c) => c.id)).toContain(campaignId);
    // Two replicas at once (on SQLite a second connection in this process would wait for the first
    // while blocking it: SQLite runs the control plane as one process, with one store).
    const second = dialect === 'postgres' ? other : store;
    const twice = await Promise.all([
      store.phishing.campaigns.anonymise(campaignId, 40 * DAY),
      second.phishing.campaigns.anonymise(campaignId, 40 * DAY),
    ]);
    expect(twice.filter(Boolean)).toHaveLength(1);
    expect((await store.phishing.campaigns.dueForAnonymisation(50 * DAY)).map((c) => c.id)).not.toContain(campaignId);
    expect(await store.phishing.campaigns.get(campaignId)).toMatchObject({ anonymisedAt: 40 * DAY });

    expect(await aggregates()).toEqual(before);
    expect(await mine()).toEqual([]);
    const targets = await store.phishing.targets.list(campaignId);
    expect(targets.every((t) => t.email === null && t.recipientId === null && t.firstName === null && t.attributes === null)).toBe(true);
    expect(targets.find((t) => t.token === bounced.token)?.failedReason).toBeNull();
    const events = await store.phishing.targets.events(campaignId);
    expect(events.find((e) => e.kind === 'scanner-click')?.detail).toEqual({
      reason: 'clicked 1 s after delivery from a data-centre range',
    });
    expect(events.filter((e) => e.kind === 'reported').every((e) => e.detail === null)).toBe(true);

    // Every column of every row of every phishing table, once the audience is gone too.
    await store.phishing.audiences.remove(audienceId);
    const tables = await phishingTables(store);
    expect(tables).toEqual([
      'phishing_audiences',
      'phishing_campaigns',
      'phishing_events',
      'phishing_recipients',
      'phishing_targets',
      'phishing_templates',
    ]);
    for (const table of tables) {
      const text = (await tableText(store, table)).toLowerCase();
      for (const address of addresses) expect(text, `${address} in ${table}`).not.toContain(address.toLowerCase());
    }
  });
});

async function counts(store: Store): Promise<{ audiences: number; recipients: number }> {
  const audiences = await store.db.db
    .selectFrom('phishing_audiences')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  const recipients = await store.db.db
    .selectFrom('phishing_recipients')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return { audiences: Number(audiences?.n), recipients: Number(recipients?.n) };
}

/** What the results are made of: no one in it. */
function aggregateView(t: TargetInfo): unknown {
  const {
    token,
    department,
    language,
    lure,
    sendState,
    deliveredAt,
    openedAt,
    clickedAt,
    submittedAt,
    reportedAt,
    trainedAt,
    scannerClicks,
  } = t;
  return {
    token,
    department,
    language,
    lure,
    sendState,
    deliveredAt,
    openedAt,
    clickedAt,
    submittedAt,
    reportedAt,
    trainedAt,
    scannerClicks,
  };
}
