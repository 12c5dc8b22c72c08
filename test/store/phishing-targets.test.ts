import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/migrations.js';
import { TARGET_STATUSES } from '../../src/store/phishing.js';
import { Store } from '../../src/store/store.js';
import { DIALECTS, storeSite } from './fixtures.js';
import type { StoreSite } from './fixtures.js';
import { people, sendingCampaign, SPEC } from './phishing-fixtures.js';

describe.each(DIALECTS)('phishing targets, outbox and statuses in the store on %s', (dialect) => {
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

  it('gives each target a unique token of at least 128 random bits, and the copied department and language', async () => {
    const { campaignId } = await sendingCampaign(store, 1000, 'tokens');
    const targets = await store.phishing.targets.list(campaignId);
    expect(targets).toHaveLength(1000);
    expect(new Set(targets.map((t) => t.token)).size).toBe(1000);
    for (const t of targets) {
      expect(t.token).toMatch(/^[A-Za-z0-9_-]{22,}$/);
      expect(Buffer.from(t.token, 'base64url').length).toBeGreaterThanOrEqual(16);
    }
    const sample = targets.find((t) => t.email === 'person.5@tokens.test');
    expect(sample).toMatchObject({
      department: 'warehouse',
      language: 'fr',
      lure: 'email',
      sendState: 'pending',
      attributes: { site: 'site-2' },
    });
    expect(await store.phishing.targets.byToken(sample?.token ?? '')).toEqual(sample);
    expect(await store.phishing.targets.byToken('not-a-token')).toBeUndefined();
  });

  it('makes the targets a plan picks, once per campaign, even when two replicas make them at once', async () => {
    const audience = await store.phishing.audiences.create({ name: 'plan', by: 'pat', recipients: people(40, 'plan.test') });
    const campaign = await store.phishing.campaigns.create({ name: 'a fifth', spec: SPEC, retentionDays: 7, owner: 'pat' });
    const plan = (r: { department: string | null }, i: number) =>
      i % 5 === 0 ? { lure: r.department === 'it' ? 'usb' : 'qr', sendAfter: 1000 + i, templateId: 't', templateVersion: 2 } : undefined;
    // On SQLite the store is one process's: a second connection in this process would block the first.
    const second = dialect === 'postgres' ? other : store;
    const made = await Promise.allSettled([
      store.phishing.targets.create(campaign.id, audience.id, plan),
      second.phishing.targets.create(campaign.id, audience.id, plan),
    ]);
    expect(made.filter((m) => m.status === 'fulfilled').map((m) => m.value)).toEqual([8]);
    expect(made.find((m) => m.status === 'rejected')?.reason).toMatchObject({ code: 'FD_PHISHING_HAS_TARGETS' });
    const targets = await store.phishing.targets.list(campaign.id);
    expect(targets.map((t) => t.lure).sort()).toEqual(['qr', 'qr', 'qr', 'qr', 'qr', 'qr', 'usb', 'usb']);
    expect(targets.every((t) => t.templateId === 't' && t.templateVersion === 2)).toBe(true);
  });

  it('lets concurrent claimers of two replicas share the outbox without ever claiming a target twice', async () => {
    const { campaignId } = await sendingCampaign(store, 300, 'claims');
    const claimer = async (s: Store, name: string): Promise<string[]> => {
      const got: string[] = [];
      for (;;) {
        const batch = await s.phishing.outbox.claimNext(campaignId, 7, 5000, name);
        if (batch.length === 0) return got;
        for (const t of batch) expect(t).toMatchObject({ sendState: 'claimed', sendIntentAt: 5000, claimedBy: name, attempts: 1 });
        got.push(...batch.map((t) => t.token));
      }
    };
    const claims = await Promise.all([claimer(store, 'a'), claimer(other, 'b'), claimer(store, 'c'), claimer(other, 'd')]);
    const all = claims.flat();
    expect(all).toHaveLength(300);
    expect(new Set(all).size).toBe(300);
    expect(await store.phishing.outbox.counts(campaignId)).toEqual({ pending: 0, claimed: 300, sent: 0, failed: 0 });
  });

  it('sends each target at most once: pending after a temporary failure, never claimed again once claimed or failed', async () => {
    const { campaignId } = await sendingCampaign(store, 3, 'outbox');
    expect(await store.phishing.outbox.claimNext(campaignId, 0, 5000)).toEqual([]);
    const [a, b, c] = await store.phishing.outbox.claimNext(campaignId, 10, 5000, 'r1');
    expect(await store.phishing.outbox.markSent(a?.token ?? '', { messageId: '<m1@x>', at: 5100 })).toBe(true);
    expect(await store.phishing.outbox.markSent(a?.token ?? '', { messageId: '<m2@x>', at: 5200 })).toBe(false);
    expect(await store.phishing.outbox.markFailed(b?.token ?? '', { kind: 'permanent', reason: '550 no such user' })).toBe(true);
    await expect(store.phishing.outbox.markFailed(c?.token ?? '', { kind: 'temporary', reason: '421 busy' })).rejects.toThrow(/retry at/);
    expect(await store.phishing.outbox.markFailed(c?.token ?? '', { kind: 'temporary', reason: '421 busy', retryAt: 9000 })).toBe(true);
    expect(await store.phishing.outbox.unsettled(campaignId, 10_000)).toEqual([]);
    expect(await store.phishing.outbox.claimNext(campaignId, 10, 8999)).toEqual([]); // not before its retry time
    const [retried] = await store.phishing.outbox.claimNext(campaignId, 10, 9000, 'r2');
    expect(retried).toMatchObject({ token: c?.token, attempts: 2, failedReason: '421 busy', claimedBy: 'r2' });
    // Claimed and never settled (its sender died): maybe sent, so never claimed again; listed for a person.
    expect(await store.phishing.outbox.claimNext(campaignId, 10, 99_000)).toEqual([]);
    expect((await store.phishing.outbox.unsettled(campaignId, 10_000)).map((t) => t.token)).toEqual([c?.token]);
    expect(await store.phishing.targets.byToken(a?.token ?? '')).toMatchObject({ sendState: 'sent', sentAt: 5100, messageId: '<m1@x>' });
    expect(await store.phishing.outbox.counts(campaignId)).toEqual({ pending: 0, claimed: 1, sent: 1, failed: 1 });
  });

  it('claims nothing once the campaign is halted (ended), nor before it is sending, nor before its send time', async () => {
    const audience = await store.phishing.audiences.create({ name: 'halt', by: 'pat', recipients: people(4, 'halt.test') });
    const campaign = await store.phishing.campaigns.create({ name: 'halted', spec: SPEC, retentionDays: 7, owner: 'pat' });
    await store.phishing.targets.create(campaign.id, audience.id, (_, i) => ({ sendAfter: i * 100 }));
    expect(await store.phishing.outbox.claimNext(campaign.id, 10, 1000)).toEqual([]); // a draft
    await store.phishing.campaigns.transition(campaign.id, 'draft', 'sending', 0);
    expect((await store.phishing.outbox.claimNext(campaign.id, 10, 150)).map((t) => t.sendAfter)).toEqual([0, 100]);
    await store.phishing.campaigns.transition(campaign.id, 'sending', 'ended', 160);
    expect(await store.phishing.outbox.claimNext(campaign.id, 10, 1000)).toEqual([]);
    expect(await store.phishing.outbox.counts(campaign.id)).toMatchObject({ pending: 2, claimed: 2 });
  });

  it('moves statuses only forward: of concurrent events the first keeps its time, a later or earlier one changes nothing', async () => {
    const { campaignId } = await sendingCampaign(store, 2, 'status');
    const [t, u] = await store.phishing.targets.list(campaignId);
    const token = t?.token ?? '';
    const clicks = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? store : other).phishing.targets.mark(token, 'clicked', 7000 + i)),
    );
    expect(clicks.filter(Boolean)).toHaveLength(1);
    expect((await store.phishing.targets.byToken(token))?.clickedAt).toBe(7000 + clicks.indexOf(true));
    expect(await store.phishing.targets.mark(token, 'clicked', 1)).toBe(false); // earlier, arriving late
    expect(await store.phishing.targets.mark(token, 'reported', 8000)).toBe(true); // a report after a click still counts
    expect(await store.phishing.targets.mark(token, 'reported', 9000)).toBe(false);
    expect(await store.phishing.targets.mark('no-such-token', 'opened', 1)).toBe(false);
    for (const status of TARGET_STATUSES) await store.phishing.targets.mark(u?.token ?? '', status, 100);
    expect(await store.phishing.targets.byToken(u?.token ?? '')).toMatchObject({
      deliveredAt: 100,
      openedAt: 100,
      clickedAt: 100,
      submittedAt: 100,
      reportedAt: 100,
      trainedAt: 100,
    });
    expect(await store.phishing.targets.byToken(token)).toMatchObject({
      clickedAt: 7000 + clicks.indexOf(true),
      reportedAt: 8000,
      openedAt: null,
    });
  });

  it('counts scanner clicks apart, with why, and keeps the events in order', async () => {
    const { campaignId } = await sendingCampaign(store, 1, 'scanner');
    const [t] = await store.phishing.targets.list(campaignId);
    const token = t?.token ?? '';
    expect(await store.phishing.targets.scannerClick(token, 100, 'before delivery')).toBe(true);
    expect(await store.phishing.targets.scannerClick(token, 100, 'HEAD request')).toBe(true);
    expect(await store.phishing.targets.scannerClick('nope', 100, 'x')).toBe(false);
    await store.phishing.targets.addEvent({ campaignId, token, kind: 'clicked', at: 100, detail: { userAgent: 'Firefox' } });
    await store.phishing.targets.addEvent({ campaignId, kind: 'halted', at: 200 });
    expect((await store.phishing.targets.byToken(token))?.scannerClicks).toBe(2);
    expect((await store.phishing.targets.events(campaignId)).map((e) => [e.kind, e.detail])).toEqual([
      ['scanner-click', { reason: 'before delivery' }],
      ['scanner-click', { reason: 'HEAD request' }],
      ['clicked', { userAgent: 'Firefox' }],
      ['halted', null],
    ]);
    expect((await store.phishing.targets.events(campaignId, { token })).map((e) => e.kind)).toHaveLength(3);
  });

  it('migrates a store at 0009 to 0010-phishing, its rows kept', async () => {
    const location = await site.location();
    const db = kysely(location);
    const upTo9 = Object.fromEntries(Object.entries(migrations(dialect)).filter(([name]) => name < '0010'));
    const migrator = new Migrator({
      db,
      provider: { getMigrations: () => Promise.resolve(upTo9) },
      migrationTableName: 'firedrill_migration',
      migrationLockTableName: 'firedrill_migration_lock',
    });
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    await sql`INSERT INTO users (id, name, password_hash, created_at) VALUES ('u1', 'old-timer', NULL, 1)`.execute(db);
    const tablesBefore = (await db.introspection.getTables()).map((t) => t.name);
    expect(tablesBefore).toContain('gamedays');
    expect(tablesBefore.filter((t) => t.startsWith('phishing_'))).toEqual([]);
    await db.destroy();

    const upgraded = await Store.open(location);
    try {
      expect((await upgraded.users.list()).map((u) => u.name)).toEqual(['old-timer']);
      const names = await sql<{ name: string }>`SELECT name FROM firedrill_migration ORDER BY name`.execute(upgraded.db.db);
      expect(names.rows.map((r) => r.name).slice(-2)).toEqual(['0009-gameday-review', '0010-phishing']);
      const { campaignId } = await sendingCampaign(upgraded, 3, 'migrated');
      expect(await upgraded.phishing.outbox.claimNext(campaignId, 10, 5000)).toHaveLength(3);
    } finally {
      await upgraded.close();
    }
  });
});

/** A bare kysely on the store's location, as a build that knew only up to 0009 had it. */
function kysely(location: string): Kysely<unknown> {
  if (location.startsWith('postgres'))
    return new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: location }) }) });
  return new Kysely({ dialect: new SqliteDialect({ database: new Database(location) }) });
}
