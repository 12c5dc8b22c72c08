import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { DIALECTS, storeSite } from './fixtures.js';
import type { StoreSite } from './fixtures.js';

describe.each(DIALECTS)('the store on %s', (dialect) => {
  let site: StoreSite;
  let store: Store;
  let location: string;

  beforeAll(async () => {
    site = await storeSite(dialect);
    location = await site.location();
    store = await Store.open(location);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await site?.close();
  });

  it('runs its migrations once: a second open of the same store finds it up to date', async () => {
    expect(store.dialect).toBe(dialect);
    const again = await Store.open(location);
    await again.close();
    const names = await migrationNames(dialect, location);
    expect(names).toEqual([
      '0001-initial',
      '0002-webhooks',
      '0003-agent-registry',
      '0004-run-targets',
      '0005-drills',
      '0006-webhook-order',
      '0007-alerts',
      '0008-gamedays',
      '0009-gameday-review',
      '0010-phishing',
    ]);
    expect(names.at(-1)).toBe(SCHEMA_VERSION);
  });

  it('refuses a store whose schema is newer than it knows, and says which versions', async () => {
    const newer = await site.location();
    await (await Store.open(newer)).close();
    await addMigration(dialect, newer, '9999-from-the-future');
    await expect(Store.open(newer)).rejects.toThrow(
      /schema version 9999-from-the-future, newer than this firedrill knows \(0010-phishing\)/,
    );
  });

  it('makes one admin with a one-time password on an empty store, and only once', async () => {
    const admin = await store.users.bootstrapAdmin();
    expect(admin?.name).toBe('admin');
    expect(admin?.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(await store.users.bootstrapAdmin()).toBeUndefined();
    const principal = await store.users.login('admin', admin?.password ?? '');
    expect([...(principal?.roles ?? [])]).toEqual(['admin']);
    expect(await store.users.login('admin', 'wrong')).toBeUndefined();
    expect(await store.users.login('nobody', admin?.password ?? '')).toBeUndefined();
    // Never in clear: the stored hash is scrypt's, salted.
    const stored = await rows(dialect, location, 'SELECT password_hash FROM users');
    expect(String(stored[0]?.password_hash)).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(JSON.stringify(stored)).not.toContain(admin?.password);
  });

  it('issues API tokens stored only as their hash; a revoked or expired token opens nothing', async () => {
    const user = await store.users.create('ci', ['facilitator']);
    const { token, info } = await store.users.issueToken(user.id, 'pipeline');
    expect(token).toMatch(/^fdt_/);
    expect((await store.users.byToken(token))?.name).toBe('ci');
    const stored = await rows(dialect, location, 'SELECT hash FROM api_tokens');
    expect(JSON.stringify(stored)).not.toContain(token.slice(4));
    expect(await store.users.byToken(`${token}x`)).toBeUndefined();
    expect(await store.users.revokeToken(info.id)).toBe(true);
    expect(await store.users.byToken(token)).toBeUndefined();
    const expired = await store.users.issueToken(user.id, 'old', Date.now() - 1);
    expect(await store.users.byToken(expired.token)).toBeUndefined();
  });

  it('keeps every version of an experiment with its author, and hides secret ones from a listing that must not see them', async () => {
    const open = await store.experiments.create({
      name: 'replica',
      title: 'A replica dies',
      yaml: 'title: a\n',
      secret: false,
      author: 'ann',
    });
    await store.experiments.update(open.id, { title: 'A replica dies', yaml: 'title: b\n', author: 'bob' });
    const secret = await store.experiments.create({ name: 'heist', title: 'Heist', yaml: 'title: h\n', secret: true, author: 'vil' });
    expect((await store.experiments.versions(open.id)).map((v) => [v.version, v.author, v.yaml])).toEqual([
      [2, 'bob', 'title: b\n'],
      [1, 'ann', 'title: a\n'],
    ]);
    expect((await store.experiments.list({ secrets: false })).map((e) => e.name)).toEqual(['replica']);
    // Who changed it last, beside who made it.
    expect(await store.experiments.get(open.id)).toMatchObject({ createdBy: 'ann', updatedBy: 'bob', version: 2 });
    expect((await store.experiments.list({ secrets: true })).map((e) => [e.name, e.updatedBy])).toEqual([
      ['heist', 'vil'],
      ['replica', 'bob'],
    ]);
    expect((await store.experiments.list({ secrets: false, secretsOf: 'vil' })).map((e) => e.name)).toEqual(['heist', 'replica']);
    expect((await store.experiments.list({ secrets: true })).map((e) => e.name)).toEqual(['heist', 'replica']);
    expect(await store.experiments.remove(secret.id)).toBe(true);
    expect(await store.experiments.get(secret.id)).toBeUndefined();
    expect((await store.experiments.list({ secrets: true })).map((e) => e.name)).toEqual(['replica']);
  });

  it('appends audit records and reads them newest first, filtered', async () => {
    await store.audit.append({ actor: 'ann', action: 'experiment.create', target: 'x', address: '127.0.0.1', outcome: 'ok' });
    await store.audit.append({ actor: 'bob', action: 'halt', outcome: 'ok', detail: { reason: 'drill' } });
    const all = await store.audit.list();
    expect(all.map((r) => r.actor)).toEqual(['bob', 'ann']);
    expect(all[0]?.detail).toEqual({ reason: 'drill' });
    expect((await store.audit.list({ actor: 'ann' })).map((r) => r.action)).toEqual(['experiment.create']);
    expect(typeof all[0]?.at).toBe('number');
  });
});

describe('the store on postgres, restarted', () => {
  it('reconnects after the database server restarted under it', async () => {
    const site = await storeSite('postgres');
    try {
      const store = await Store.open(await site.location());
      await store.audit.append({ actor: 'a', action: 'x', outcome: 'ok' });
      await site.restart?.();
      await store.audit.append({ actor: 'b', action: 'y', outcome: 'ok' });
      expect((await store.audit.list()).map((r) => r.actor)).toEqual(['b', 'a']);
      await store.close();
    } finally {
      await site.close();
    }
  }, 60_000);
});

describe('the store on postgres, stopped inside a transaction', () => {
  it('fails that transaction and nothing else: no uncaught error takes the process down', async () => {
    const site = await storeSite('postgres');
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const store = await Store.open(await site.location());
      const held = store.db.db.transaction().execute(async (tx) => {
        await tx.selectFrom('users').selectAll().execute();
        await site.stop?.(); // the server ends this connection while the transaction holds it
        await new Promise((resolve) => setTimeout(resolve, 300));
        await tx.selectFrom('users').selectAll().execute();
      });
      await expect(held).rejects.toThrow();
      await site.start?.();
      await store.audit.append({ actor: 'a', action: 'after', outcome: 'ok' }); // the pool recovers
      await store.close();
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await site.close();
    }
  }, 60_000);
});

describe('a store that cannot be reached', () => {
  it('says where it is, password hidden, as an operational error', async () => {
    const error = await Store.open('postgres://fd:hunter2@127.0.0.1:1/none').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FD_STORE_UNREACHABLE', name: 'OperationalError' });
    expect(String((error as Error).message)).toContain('postgres://fd:***@127.0.0.1:1/none');
    expect(String((error as Error).message)).not.toContain('hunter2');
  });
});

async function rows(dialect: string, location: string, text: string): Promise<Record<string, unknown>[]> {
  if (dialect === 'sqlite') {
    const db = new Database(location, { readonly: true });
    try {
      return db.prepare(text).all() as Record<string, unknown>[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    return (await client.query(text)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

async function migrationNames(dialect: string, location: string): Promise<string[]> {
  return (await rows(dialect, location, 'SELECT name FROM firedrill_migration ORDER BY name')).map((r) => String(r.name));
}

async function addMigration(dialect: string, location: string, name: string): Promise<void> {
  const text = `INSERT INTO firedrill_migration (name, timestamp) VALUES ('${name}', '2030-01-01T00:00:00.000Z')`;
  await rows(dialect, location, text).catch(() => {
    // better-sqlite3's readonly handle cannot write: open it read-write for this one.
    const db = new Database(location);
    db.prepare(text).run();
    db.close();
  });
}
