import type { StoreDb } from './open.js';

/** Small shared values every replica reads (the halt, for one): JSON under a key. */
export class Settings {
  constructor(private readonly store: StoreDb) {}

  async get<T>(key: string): Promise<T | undefined> {
    const row = await this.store.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  async set(key: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value);
    const now = Date.now();
    await this.store.db
      .insertInto('settings')
      .values({ key, value: text, updated_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: text, updated_at: now }))
      .execute();
  }

  async remove(key: string): Promise<void> {
    await this.store.db.deleteFrom('settings').where('key', '=', key).execute();
  }
}
