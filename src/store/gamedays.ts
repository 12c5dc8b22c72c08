import { randomUUID } from 'node:crypto';
import type { StoreDb } from './open.js';
import type { GameDayEventsTable, GameDaysTable } from './schema.js';
import { nextSeq } from './sequence.js';

export type GameDayState = 'draft' | 'running' | 'ended';

export interface GameDayInfo {
  readonly id: string;
  readonly name: string;
  readonly title: string;
  /** The validated definition, scenario included (JSON). */
  readonly spec: unknown;
  readonly yaml: string;
  readonly state: GameDayState;
  readonly owner: string | null;
  /** Its steps and measures so far (the game-day service's JSON). */
  readonly progress: unknown;
  readonly launchedAt: number | null;
  readonly endedAt: number | null;
  readonly revealedAt: number | null;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** What the team wrote in the review. */
  readonly notes: ReviewNotes | null;
  /** When it plays again to verify the fix. */
  readonly rerunAt: number | null;
}

export interface ReviewNotes {
  readonly learnt: string;
  readonly actions: readonly { readonly action: string; readonly owner: string; readonly due: string }[];
  readonly by: string;
  readonly at: number;
}

export interface GameDayEvent {
  readonly id: string;
  readonly gamedayId: string;
  /**
   * A responder's declaration, the facilitator's command, someone confirming the console reaches
   * them (comcheck), or a team's reconstruction of an intrusion (finding: what = reconstruction).
   */
  readonly kind: 'declare' | 'command' | 'comcheck' | 'finding';
  readonly team: string | null;
  /** detected | acknowledged | diagnosed | contained | recovered; inject | pause | resume | end */
  readonly what: string;
  readonly by: string;
  readonly at: number;
  readonly detail: string | null;
  /** What the team says caused it: for a diagnosis the service and fault; for a finding the intrusion's reconstruction. */
  readonly cause: DeclaredCause | null;
}

export interface DeclaredCause {
  readonly service?: string;
  readonly fault?: string;
  /** ATT&CK ids of the techniques the team believes were used. */
  readonly techniques?: readonly string[];
  /** How the intruder got in: an ATT&CK id (or words). */
  readonly entryPoint?: string;
  readonly hosts?: readonly string[];
}

/**
 * Game days: the definition (a secret scenario), its progress while one replica drives it under
 * a lease (another takes it over when the lease lapses: the times are here, not in memory), and
 * the events of the day: the responders' declarations and the facilitator's commands.
 */
export class GameDays {
  constructor(private readonly store: StoreDb) {}

  /** Creates it, or replaces the definition of the one of that name — unless that one runs. */
  async apply(input: {
    name: string;
    title: string;
    spec: unknown;
    yaml: string;
    author: string;
  }): Promise<{ gameday: GameDayInfo; created: boolean }> {
    const now = Date.now();
    const existing = await this.findByName(input.name);
    if (existing) {
      if (existing.state === 'running') throw new Error(`game day ${input.name} is running: end it before changing it`);
      await this.store.db
        .updateTable('gamedays')
        .set({ title: input.title, spec: JSON.stringify(input.spec), yaml: input.yaml, updated_at: now })
        .where('id', '=', existing.id)
        .execute();
      return { gameday: (await this.get(existing.id)) as GameDayInfo, created: false };
    }
    const id = randomUUID();
    await this.store.db
      .insertInto('gamedays')
      .values({
        id,
        name: input.name,
        title: input.title,
        spec: JSON.stringify(input.spec),
        yaml: input.yaml,
        state: 'draft',
        owner: null,
        lease_until: null,
        progress: null,
        launched_at: null,
        ended_at: null,
        revealed_at: null,
        created_by: input.author,
        created_at: now,
        updated_at: now,
        deleted_at: null,
        review_notes: null,
        rerun_at: null,
      })
      .execute();
    return { gameday: (await this.get(id)) as GameDayInfo, created: true };
  }

  async get(id: string): Promise<GameDayInfo | undefined> {
    const row = await this.store.db
      .selectFrom('gamedays')
      .selectAll()
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row && toGameDay(row);
  }

  async findByName(name: string): Promise<GameDayInfo | undefined> {
    const row = await this.store.db
      .selectFrom('gamedays')
      .selectAll()
      .where('name', '=', name)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row && toGameDay(row);
  }

  async list(): Promise<GameDayInfo[]> {
    const rows = await this.store.db.selectFrom('gamedays').selectAll().where('deleted_at', 'is', null).orderBy('created_at').execute();
    return rows.map(toGameDay);
  }

  /** Starts it (a draft, or one that ended: played again) with its first progress, driven by `replica`. */
  async launch(id: string, replica: string, progress: unknown, now: number, until: number): Promise<GameDayInfo | undefined> {
    const done = await this.store.db
      .updateTable('gamedays')
      .set({
        state: 'running',
        owner: replica,
        lease_until: until,
        progress: JSON.stringify(progress),
        launched_at: now,
        ended_at: null,
        revealed_at: null,
        rerun_at: null,
        updated_at: now,
      })
      .where('id', '=', id)
      .where('state', '!=', 'running')
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(done.numUpdatedRows) === 1 ? this.get(id) : undefined;
  }

  /** The running game days `replica` drives now: its own, and those whose driver's lease lapsed (taken over). */
  async drive(replica: string, now: number, until: number): Promise<GameDayInfo[]> {
    await this.store.db
      .updateTable('gamedays')
      .set({ owner: replica, lease_until: until })
      .where('state', '=', 'running')
      .where((eb) => eb.or([eb('owner', '=', replica), eb('lease_until', '<', now), eb('lease_until', 'is', null)]))
      .execute();
    const rows = await this.store.db
      .selectFrom('gamedays')
      .selectAll()
      .where('state', '=', 'running')
      .where('owner', '=', replica)
      .execute();
    return rows.map(toGameDay);
  }

  /** Saves its progress if `replica` still drives it; false when another took it over. */
  async save(id: string, replica: string, progress: unknown, now: number): Promise<boolean> {
    const done = await this.store.db
      .updateTable('gamedays')
      .set({ progress: JSON.stringify(progress), updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .where('owner', '=', replica)
      .executeTakeFirst();
    return Number(done.numUpdatedRows) === 1;
  }

  /** Ends it with its last progress; whoever drives it (or a facilitator through any replica). */
  async end(id: string, progress: unknown, now: number): Promise<boolean> {
    const done = await this.store.db
      .updateTable('gamedays')
      .set({ state: 'ended', progress: JSON.stringify(progress), ended_at: now, owner: null, lease_until: null, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(done.numUpdatedRows) === 1;
  }

  async saveNotes(id: string, notes: ReviewNotes): Promise<void> {
    await this.store.db
      .updateTable('gamedays')
      .set({ review_notes: JSON.stringify(notes), updated_at: notes.at })
      .where('id', '=', id)
      .execute();
  }

  async scheduleRerun(id: string, at: number | null): Promise<void> {
    await this.store.db.updateTable('gamedays').set({ rerun_at: at, updated_at: Date.now() }).where('id', '=', id).execute();
  }

  /** Game days whose re-run is due and that are not running. */
  async rerunsDue(now: number): Promise<GameDayInfo[]> {
    const rows = await this.store.db
      .selectFrom('gamedays')
      .selectAll()
      .where('rerun_at', '<=', now)
      .where('state', '!=', 'running')
      .where('deleted_at', 'is', null)
      .execute();
    return rows.map(toGameDay);
  }

  async reveal(id: string, now: number): Promise<void> {
    await this.store.db
      .updateTable('gamedays')
      .set({ revealed_at: now, updated_at: now })
      .where('id', '=', id)
      .where('revealed_at', 'is', null)
      .execute();
  }

  async record(input: Omit<GameDayEvent, 'id'>): Promise<GameDayEvent> {
    const event = { ...input, id: randomUUID() };
    await this.store.db
      .insertInto('gameday_events')
      .values({
        id: event.id,
        gameday_id: input.gamedayId,
        kind: input.kind,
        team: input.team,
        what: input.what,
        by_user: input.by,
        at: input.at,
        seq: nextSeq(input.at),
        detail: input.detail,
        cause: input.cause ? JSON.stringify(input.cause) : null,
      })
      .execute();
    return event;
  }

  /** In the order they were made, since `since` (ms); of one team, or all. */
  async events(gamedayId: string, options: { since?: number; team?: string } = {}): Promise<GameDayEvent[]> {
    let q = this.store.db.selectFrom('gameday_events').selectAll().where('gameday_id', '=', gamedayId);
    if (options.since !== undefined) q = q.where('at', '>=', options.since);
    if (options.team !== undefined) q = q.where('team', '=', options.team);
    return (await q.orderBy('seq').execute()).map(toEvent);
  }
}

function toGameDay(row: GameDaysTable): GameDayInfo {
  return {
    id: row.id,
    name: row.name,
    title: row.title,
    spec: JSON.parse(row.spec) as unknown,
    yaml: row.yaml,
    state: row.state as GameDayState,
    owner: row.owner,
    progress: row.progress === null ? null : (JSON.parse(row.progress) as unknown),
    launchedAt: row.launched_at,
    endedAt: row.ended_at,
    revealedAt: row.revealed_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    notes: row.review_notes === null ? null : (JSON.parse(row.review_notes) as ReviewNotes),
    rerunAt: row.rerun_at,
  };
}

function toEvent(row: GameDayEventsTable): GameDayEvent {
  return {
    id: row.id,
    gamedayId: row.gameday_id,
    kind: row.kind === 'command' || row.kind === 'comcheck' || row.kind === 'finding' ? row.kind : 'declare',
    team: row.team,
    what: row.what,
    by: row.by_user,
    at: row.at,
    detail: row.detail,
    cause: row.cause === null ? null : (JSON.parse(row.cause) as GameDayEvent['cause']),
  };
}
