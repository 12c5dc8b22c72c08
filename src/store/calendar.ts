import { randomUUID } from 'node:crypto';
import type { StoreDb } from './open.js';

export interface BlackoutInfo {
  readonly id: string;
  /** Null: every team. */
  readonly team: string | null;
  readonly name: string;
  /** The blackout as written (see drills/schedule). */
  readonly spec: unknown;
  readonly createdBy: string;
  readonly createdAt: number;
}

export interface IncidentInfo {
  readonly id: string;
  /** Null: every team. */
  readonly team: string | null;
  readonly title: string;
  readonly openedBy: string;
  readonly openedAt: number;
  readonly closedBy: string | null;
  readonly closedAt: number | null;
}

/** Periods when no drill may launch, global or per team; replaced as a whole set per team by `drills apply`. */
export class Blackouts {
  constructor(private readonly store: StoreDb) {}

  async list(): Promise<BlackoutInfo[]> {
    const rows = await this.store.db.selectFrom('blackouts').selectAll().orderBy('name').execute();
    return rows.map((r) => ({
      id: r.id,
      team: r.team,
      name: r.name,
      spec: JSON.parse(r.spec) as unknown,
      createdBy: r.created_by,
      createdAt: r.created_at,
    }));
  }

  /** The blackouts of `team` (null: the global ones) become exactly `specs`. */
  async replace(team: string | null, specs: readonly { name: string; spec: unknown }[], author: string): Promise<void> {
    const now = Date.now();
    await this.store.db.transaction().execute(async (tx) => {
      await (
        team === null ? tx.deleteFrom('blackouts').where('team', 'is', null) : tx.deleteFrom('blackouts').where('team', '=', team)
      ).execute();
      if (specs.length === 0) return;
      await tx
        .insertInto('blackouts')
        .values(
          specs.map((b) => ({ id: randomUUID(), team, name: b.name, spec: JSON.stringify(b.spec), created_by: author, created_at: now })),
        )
        .execute();
    });
  }
}

/** Incidents declared open through the API: no drill launches for a team while one is open. */
export class Incidents {
  constructor(private readonly store: StoreDb) {}

  async open(input: { team: string | null; title: string; by: string }): Promise<IncidentInfo> {
    const incident = { id: randomUUID(), team: input.team, title: input.title, opened_by: input.by, opened_at: Date.now() };
    await this.store.db
      .insertInto('incidents')
      .values({ ...incident, closed_by: null, closed_at: null })
      .execute();
    return toIncident({ ...incident, closed_by: null, closed_at: null });
  }

  async close(id: string, by: string): Promise<boolean> {
    const done = await this.store.db
      .updateTable('incidents')
      .set({ closed_by: by, closed_at: Date.now() })
      .where('id', '=', id)
      .where('closed_at', 'is', null)
      .executeTakeFirst();
    return Number(done.numUpdatedRows) === 1;
  }

  /** The open incidents, all of them or those that concern `team` (its own and the global ones). */
  async openOnes(team?: string): Promise<IncidentInfo[]> {
    let q = this.store.db.selectFrom('incidents').selectAll().where('closed_at', 'is', null);
    if (team !== undefined) q = q.where((eb) => eb.or([eb('team', 'is', null), eb('team', '=', team)]));
    return (await q.orderBy('opened_at').execute()).map(toIncident);
  }
}

function toIncident(r: {
  id: string;
  team: string | null;
  title: string;
  opened_by: string;
  opened_at: number;
  closed_by: string | null;
  closed_at: number | null;
}): IncidentInfo {
  return {
    id: r.id,
    team: r.team,
    title: r.title,
    openedBy: r.opened_by,
    openedAt: r.opened_at,
    closedBy: r.closed_by,
    closedAt: r.closed_at,
  };
}
