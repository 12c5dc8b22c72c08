import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { StoreDb } from './open.js';
import type { DrillLaunchesTable, DrillsTable } from './schema.js';

/** Launches planned per statement. */
const PLAN_BATCH = 500;

export type Announcement = 'announced' | 'window' | 'unannounced';
export type LaunchState = 'planned' | 'claimed' | 'launched' | 'ended' | 'skipped' | 'missed' | 'failed';

export interface DrillInfo {
  readonly id: string;
  readonly name: string;
  readonly title: string;
  readonly team: string;
  readonly kind: string;
  readonly announcement: Announcement;
  /** Who answers "is this a drill?" for it. */
  readonly facilitator: string;
  /** The validated definition (JSON). */
  readonly spec: unknown;
  readonly yaml: string;
  readonly enabled: boolean;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface LaunchInfo {
  readonly id: string;
  readonly drillId: string;
  readonly dueAt: number;
  readonly state: LaunchState;
  readonly reason: string | null;
  readonly runId: string | null;
  readonly claimedBy: string | null;
  readonly launchedAt: number | null;
  readonly endedAt: number | null;
  readonly verdict: string | null;
  readonly revealedAt: number | null;
}

export interface DrillInput {
  readonly name: string;
  readonly title: string;
  readonly team: string;
  readonly kind: string;
  readonly announcement: Announcement;
  readonly facilitator: string;
  readonly spec: unknown;
  readonly yaml: string;
  readonly author: string;
}

/** Drills and their launches: planned once per (drill, due time), claimed by one replica, settled with what happened. */
export class Drills {
  constructor(private readonly store: StoreDb) {}

  /** Creates the drill, or replaces the definition of the live one of that name. */
  async apply(input: DrillInput): Promise<{ drill: DrillInfo; created: boolean }> {
    const now = Date.now();
    const existing = await this.findByName(input.name);
    const values = {
      title: input.title,
      team: input.team,
      kind: input.kind,
      announcement: input.announcement,
      facilitator: input.facilitator,
      spec: JSON.stringify(input.spec),
      yaml: input.yaml,
      updated_at: now,
    };
    if (existing) {
      await this.store.db.updateTable('drills').set(values).where('id', '=', existing.id).execute();
      return { drill: (await this.get(existing.id)) as DrillInfo, created: false };
    }
    const id = randomUUID();
    await this.store.db
      .insertInto('drills')
      .values({ id, name: input.name, enabled: 1, created_by: input.author, created_at: now, deleted_at: null, ...values })
      .execute();
    return { drill: (await this.get(id)) as DrillInfo, created: true };
  }

  async get(id: string): Promise<DrillInfo | undefined> {
    const row = await this.store.db
      .selectFrom('drills')
      .selectAll()
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row && toDrill(row);
  }

  async findByName(name: string): Promise<DrillInfo | undefined> {
    const row = await this.store.db
      .selectFrom('drills')
      .selectAll()
      .where('name', '=', name)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row && toDrill(row);
  }

  async list(): Promise<DrillInfo[]> {
    const rows = await this.store.db.selectFrom('drills').selectAll().where('deleted_at', 'is', null).orderBy('name').execute();
    return rows.map(toDrill);
  }

  /** Each live drill's id and last change: a reader that keeps drills knows which ones to read again. */
  async stamps(): Promise<Map<string, number>> {
    const rows = await this.store.db.selectFrom('drills').select(['id', 'updated_at']).where('deleted_at', 'is', null).execute();
    return new Map(rows.map((r) => [r.id, Number(r.updated_at)]));
  }

  async setEnabled(id: string, enabled: boolean): Promise<void> {
    await this.store.db
      .updateTable('drills')
      .set({ enabled: enabled ? 1 : 0, updated_at: Date.now() })
      .where('id', '=', id)
      .execute();
  }

  /** Hides the drill and forgets its launches not yet claimed. */
  async remove(id: string): Promise<boolean> {
    const done = await this.store.db
      .updateTable('drills')
      .set({ deleted_at: Date.now() })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    await this.store.db.deleteFrom('drill_launches').where('drill_id', '=', id).where('state', '=', 'planned').execute();
    return Number(done.numUpdatedRows) > 0;
  }

  /** Plans launches; one already planned (by this replica or another) is left as it is. */
  async plan(drillId: string, dueAts: readonly number[]): Promise<void> {
    // In batches: one statement has a bounded number of parameters (SQLite 32,766; PostgreSQL 65,535).
    for (let i = 0; i < dueAts.length; i += PLAN_BATCH) {
      await this.store.db
        .insertInto('drill_launches')
        .values(dueAts.slice(i, i + PLAN_BATCH).map((dueAt) => ({ id: randomUUID(), drill_id: drillId, due_at: dueAt, state: 'planned' })))
        .onConflict((oc) => oc.columns(['drill_id', 'due_at']).doNothing())
        .execute();
    }
  }

  /** Forgets the planned (unclaimed) launches of a drill due after `after`: its schedule changed. */
  async unplan(drillId: string, after: number): Promise<void> {
    await this.store.db
      .deleteFrom('drill_launches')
      .where('drill_id', '=', drillId)
      .where('state', '=', 'planned')
      .where('due_at', '>', after)
      .execute();
  }

  /** Launches due by `now`: planned ones, and claims whose replica stopped before settling them. */
  async due(now: number, limit = 100): Promise<LaunchInfo[]> {
    const rows = await this.store.db
      .selectFrom('drill_launches')
      .selectAll()
      .where('due_at', '<=', now)
      .where((eb) => eb.or([eb('state', '=', 'planned'), eb.and([eb('state', '=', 'claimed'), eb('claim_expires_at', '<', now)])]))
      .orderBy('due_at')
      .limit(limit)
      .execute();
    return rows.map(toLaunch);
  }

  /**
   * Claims a due launch for `replica` until `until`: true for exactly one replica, however many
   * try at once (a conditional update; the store serialises it). A lapsed claim may be taken over.
   */
  async claim(launchId: string, replica: string, now: number, until: number): Promise<LaunchInfo | undefined> {
    const done = await this.store.db
      .updateTable('drill_launches')
      .set({ state: 'claimed', claimed_by: replica, claim_expires_at: until })
      .where('id', '=', launchId)
      .where((eb) => eb.or([eb('state', '=', 'planned'), eb.and([eb('state', '=', 'claimed'), eb('claim_expires_at', '<', now)])]))
      .executeTakeFirst();
    // The row as it is now: a replica taking a lapsed claim over sees the run its first holder named.
    return Number(done.numUpdatedRows) === 1 ? this.launch(launchId) : undefined;
  }

  /**
   * Names the run a claimed launch is about to start, before it starts — only while the claim
   * holds: a replica that stalled past it must not start a run another replica may start too.
   */
  async attachRun(launchId: string, replica: string, runId: string, now: number): Promise<boolean> {
    const done = await this.store.db
      .updateTable('drill_launches')
      .set({ run_id: runId })
      .where('id', '=', launchId)
      .where('state', '=', 'claimed')
      .where('claimed_by', '=', replica)
      .where('claim_expires_at', '>', now)
      .executeTakeFirst();
    return Number(done.numUpdatedRows) === 1;
  }

  /** What became of a launch: launched (with its run), skipped, missed or failed, with why. */
  /** Only by the replica that holds the claim: one whose claim was taken over settles nothing. */
  async settle(
    launchId: string,
    replica: string,
    outcome: { state: Exclude<LaunchState, 'planned' | 'claimed'>; reason?: string | undefined; runId?: string | undefined; at: number },
  ): Promise<boolean> {
    const done = await this.store.db
      .updateTable('drill_launches')
      .set({
        state: outcome.state,
        reason: outcome.reason ?? null,
        ...(outcome.runId !== undefined && { run_id: outcome.runId }),
        ...(outcome.state === 'launched' ? { launched_at: outcome.at } : { ended_at: outcome.at }),
        claim_expires_at: null,
      })
      .where('id', '=', launchId)
      .where('state', '=', 'claimed')
      .where('claimed_by', '=', replica)
      .executeTakeFirst();
    return Number(done.numUpdatedRows) === 1;
  }

  /** The run of a launch ended: its verdict; an unannounced drill is revealed then. */
  /** The run of a launch ended: its verdict — or skipped, when the run found the system not steady and injected nothing. */
  async runEnded(runId: string, end: { verdict: string; reason: string }, at: number): Promise<LaunchInfo | undefined> {
    const notSteady = end.verdict === 'not-steady';
    await this.store.db
      .updateTable('drill_launches')
      .set({
        state: notSteady ? 'skipped' : 'ended',
        verdict: end.verdict,
        ended_at: at,
        claim_expires_at: null,
        ...(notSteady && { reason: `the system was not steady: ${end.reason}` }),
      })
      .where('run_id', '=', runId)
      .where('state', 'in', ['launched', 'claimed'])
      .execute();
    return this.launchOfRun(runId);
  }

  async reveal(launchId: string, at: number): Promise<void> {
    await this.store.db
      .updateTable('drill_launches')
      .set({ revealed_at: at })
      .where('id', '=', launchId)
      .where('revealed_at', 'is', null)
      .execute();
  }

  /** Launches whose run has started and not ended. */
  async active(): Promise<LaunchInfo[]> {
    return (await this.store.db.selectFrom('drill_launches').selectAll().where('state', '=', 'launched').execute()).map(toLaunch);
  }

  async launchOfRun(runId: string): Promise<LaunchInfo | undefined> {
    const row = await this.store.db.selectFrom('drill_launches').selectAll().where('run_id', '=', runId).executeTakeFirst();
    return row && toLaunch(row);
  }

  async launch(id: string): Promise<LaunchInfo | undefined> {
    const row = await this.store.db.selectFrom('drill_launches').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toLaunch(row);
  }

  /** Launches due in [since, until), oldest first, optionally of one drill. */
  async launches(query: { since: number; until: number; drillId?: string; limit?: number }): Promise<LaunchInfo[]> {
    let q = this.store.db.selectFrom('drill_launches').selectAll().where('due_at', '>=', query.since).where('due_at', '<', query.until);
    if (query.drillId !== undefined) q = q.where('drill_id', '=', query.drillId);
    return (
      await q
        .orderBy('due_at')
        .limit(query.limit ?? 1000)
        .execute()
    ).map(toLaunch);
  }

  /** The last launch of each drill that really launched, for drill debt. */
  /**
   * Forgets the settled launches due before `before`, but for each drill's last one launched
   * (drill debt reads it): a year of history, not every skipped night since the drill began.
   */
  async prune(before: number): Promise<number> {
    const done = await sql`DELETE FROM drill_launches WHERE due_at < ${before}
      AND state IN ('ended', 'skipped', 'missed', 'failed')
      AND NOT (launched_at IS NOT NULL AND launched_at = (
        SELECT MAX(last.launched_at) FROM drill_launches last WHERE last.drill_id = drill_launches.drill_id))`.execute(this.store.db);
    return Number(done.numAffectedRows ?? 0);
  }

  async lastLaunched(): Promise<Map<string, number>> {
    const rows = await this.store.db
      .selectFrom('drill_launches')
      .select(['drill_id', (eb) => eb.fn.max('launched_at').as('last')])
      .where('launched_at', 'is not', null)
      .groupBy('drill_id')
      .execute();
    return new Map(rows.map((r) => [r.drill_id, Number(r.last)]));
  }
}

function toDrill(row: DrillsTable): DrillInfo {
  return {
    id: row.id,
    name: row.name,
    title: row.title,
    team: row.team,
    kind: row.kind,
    announcement: row.announcement as Announcement,
    facilitator: row.facilitator,
    spec: JSON.parse(row.spec) as unknown,
    yaml: row.yaml,
    enabled: row.enabled === 1,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toLaunch(row: DrillLaunchesTable): LaunchInfo {
  return {
    id: row.id,
    drillId: row.drill_id,
    dueAt: row.due_at,
    state: row.state as LaunchState,
    reason: row.reason,
    runId: row.run_id,
    claimedBy: row.claimed_by,
    launchedAt: row.launched_at,
    endedAt: row.ended_at,
    verdict: row.verdict,
    revealedAt: row.revealed_at,
  };
}
