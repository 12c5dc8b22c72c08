import { randomUUID } from 'node:crypto';
import type { StoreDb } from './open.js';
import type { AgentsTable } from './schema.js';

export interface RegisteredAgent {
  readonly name: string;
  readonly url: string;
  readonly labels: Record<string, string>;
  readonly tokenFile?: string;
  readonly tokenEnv?: string;
  readonly ca?: string;
  readonly version: string | null;
  readonly registeredAt: number;
  readonly lastSeenAt: number | null;
  readonly reachable: boolean;
}

/** Agents registered through the API, beside those of the server's inventory file. */
export class Agents {
  constructor(private readonly store: StoreDb) {}

  /** Registers `name` (or updates it: same name, new address or labels). */
  async register(agent: {
    name: string;
    url: string;
    labels: Record<string, string>;
    tokenFile?: string;
    tokenEnv?: string;
    ca?: string;
  }): Promise<void> {
    const values = {
      url: agent.url,
      labels: JSON.stringify(agent.labels),
      token_file: agent.tokenFile ?? null,
      token_env: agent.tokenEnv ?? null,
      ca: agent.ca ?? null,
    };
    await this.store.db.transaction().execute(async (tx) => {
      const held = await tx.selectFrom('agents').select('id').where('name', '=', agent.name).executeTakeFirst();
      if (held) await tx.updateTable('agents').set(values).where('id', '=', held.id).execute();
      else {
        await tx.deleteFrom('agents').where('url', '=', agent.url).execute(); // one registration per address
        await tx
          .insertInto('agents')
          .values({
            id: randomUUID(),
            name: agent.name,
            ...values,
            version: null,
            registered_at: Date.now(),
            last_seen_at: null,
            reachable: 0,
          })
          .execute();
      }
    });
  }

  async remove(name: string): Promise<boolean> {
    const result = await this.store.db.deleteFrom('agents').where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async list(): Promise<RegisteredAgent[]> {
    const rows = await this.store.db.selectFrom('agents').selectAll().where('name', 'is not', null).orderBy('name').execute();
    return rows.map(toAgent);
  }

  /** What the last look at it found. */
  async seen(name: string, look: { reachable: boolean; version?: string | undefined }): Promise<void> {
    await this.store.db
      .updateTable('agents')
      .set({
        reachable: look.reachable ? 1 : 0,
        ...(look.reachable && { last_seen_at: Date.now() }),
        ...(look.version && { version: look.version }),
      })
      .where('name', '=', name)
      .execute();
  }
}

function toAgent(row: AgentsTable): RegisteredAgent {
  return {
    name: row.name ?? row.id,
    url: row.url,
    labels: JSON.parse(row.labels) as Record<string, string>,
    ...(row.token_file !== null && { tokenFile: row.token_file }),
    ...(row.token_env !== null && { tokenEnv: row.token_env }),
    ...(row.ca !== null && { ca: row.ca }),
    version: row.version,
    registeredAt: row.registered_at,
    lastSeenAt: row.last_seen_at,
    reachable: row.reachable === 1,
  };
}
