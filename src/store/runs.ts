import type { StoreDb } from './open.js';
import type { RunsTable } from './schema.js';

export type RunState = 'running' | 'ended';

export interface RunInfo {
  readonly id: string;
  readonly experimentId: string | null;
  readonly experimentVersion: number | null;
  readonly title: string;
  readonly state: RunState;
  readonly verdict: string | null;
  readonly reason: string | null;
  readonly secret: boolean;
  readonly revealedAt: number | null;
  readonly startedBy: string;
  /** Who wrote the scenario (the starter for an inline one). */
  readonly author: string;
  readonly createdAt: number;
  readonly endedAt: number | null;
  readonly owner: string | null;
  readonly tags: string[];
  /** What it hit, in a few words, e.g. `app: 1 process (sleep)`; null until its targets are resolved. */
  readonly targets: string | null;
  readonly dryRun: boolean;
}

export interface NewRun {
  readonly id: string;
  readonly experimentId: string | null;
  readonly experimentVersion: number | null;
  readonly title: string;
  readonly secret: boolean;
  readonly startedBy: string;
  readonly owner: string;
  readonly leaseExpiresAt: number;
  readonly tags: readonly string[];
  readonly request: Record<string, unknown>;
}

export interface RunQuery {
  readonly verdict?: string | undefined;
  readonly tag?: string | undefined;
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  /** Runs created before this one (paging: the last id of the previous page). */
  readonly before?: { createdAt: number; id: string } | undefined;
  readonly limit: number;
  /** Secret runs not yet revealed are left out unless this says they may be seen. */
  readonly secrets: 'all' | 'revealed';
}

export interface StoredEvent {
  readonly seq: number;
  readonly at: number;
  readonly type: string;
  readonly data: string;
}

/** Runs the control plane started, their events as they happen, and their journal once ended. */
export class Runs {
  constructor(private readonly store: StoreDb) {}

  async insert(run: NewRun): Promise<void> {
    const now = Date.now();
    await this.store.db
      .insertInto('runs')
      .values({
        id: run.id,
        experiment_id: run.experimentId,
        experiment_version: run.experimentVersion,
        title: run.title,
        state: 'running',
        verdict: null,
        reason: null,
        secret: run.secret ? 1 : 0,
        revealed_at: null,
        started_by: run.startedBy,
        created_at: now,
        started_at: now,
        ended_at: null,
        owner: run.owner,
        lease_expires_at: run.leaseExpiresAt,
        cancel_requested_at: null,
        cancel_reason: null,
        tags: JSON.stringify(run.tags),
        targets: null,
        request: JSON.stringify(run.request),
      })
      .execute();
  }

  /** A run that ended elsewhere (a journal file), with its events, in one transaction. */
  async importEnded(run: {
    id: string;
    title: string;
    startedBy: string;
    createdAt: number;
    endedAt: number | null;
    verdict: string | null;
    reason: string;
    tags: readonly string[];
    targets?: string | null;
    request: Record<string, unknown>;
    journal: unknown;
    events: readonly { seq: number; at: number; type: string; data: unknown }[];
  }): Promise<void> {
    await this.store.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('runs')
        .values({
          id: run.id,
          experiment_id: null,
          experiment_version: null,
          title: run.title,
          state: 'ended',
          verdict: run.verdict,
          reason: run.reason,
          secret: 0,
          revealed_at: null,
          started_by: run.startedBy,
          created_at: run.createdAt,
          started_at: run.createdAt,
          ended_at: run.endedAt,
          owner: null,
          lease_expires_at: null,
          cancel_requested_at: null,
          cancel_reason: null,
          tags: JSON.stringify(run.tags),
          targets: run.targets ?? null,
          request: JSON.stringify(run.request),
        })
        .execute();
      if (run.journal !== undefined)
        await tx
          .insertInto('run_journals')
          .values({ run_id: run.id, journal: JSON.stringify(run.journal) })
          .execute();
      for (const event of run.events) {
        await tx
          .insertInto('run_events')
          .values({ run_id: run.id, seq: event.seq, at: event.at, type: event.type, data: JSON.stringify(event.data) })
          .execute();
      }
    });
  }

  /** What the run hit, in a few words, for the list. */
  async setTargets(runId: string, summary: string): Promise<void> {
    await this.store.db.updateTable('runs').set({ targets: summary }).where('id', '=', runId).execute();
  }

  /** An event already serialized (its `data` is JSON text). */
  async appendStored(runId: string, event: StoredEvent): Promise<void> {
    await this.store.db
      .insertInto('run_events')
      .values({ run_id: runId, seq: event.seq, at: event.at, type: event.type, data: event.data })
      .execute();
  }

  /** Events after `afterSeq`, in order. */
  async events(runId: string, afterSeq = 0, limit = 1000): Promise<StoredEvent[]> {
    return this.store.db
      .selectFrom('run_events')
      .select(['seq', 'at', 'type', 'data'])
      .where('run_id', '=', runId)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
  }

  /** Ends a running run; false when it had already ended (another replica marked it). */
  async end(runId: string, outcome: { verdict: string; reason: string; journal?: unknown }): Promise<boolean> {
    return this.store.db.transaction().execute(async (tx) => {
      const result = await tx
        .updateTable('runs')
        .set({ state: 'ended', verdict: outcome.verdict, reason: outcome.reason, ended_at: Date.now(), lease_expires_at: null })
        .where('id', '=', runId)
        .where('state', '=', 'running')
        .executeTakeFirst();
      const ended = Number(result.numUpdatedRows) > 0;
      if (ended && outcome.journal !== undefined) {
        await tx
          .insertInto('run_journals')
          .values({ run_id: runId, journal: JSON.stringify(outcome.journal) })
          .execute();
      }
      return ended;
    });
  }

  /**
   * Extends the claim of `owner` on its running runs; returns those someone asked to cancel
   * (on any replica), with the reason.
   */
  async renew(owner: string, runIds: readonly string[], until: number): Promise<{ id: string; reason: string }[]> {
    if (runIds.length === 0) return [];
    await this.store.db
      .updateTable('runs')
      .set({ lease_expires_at: until })
      .where('owner', '=', owner)
      .where('state', '=', 'running')
      .where('id', 'in', [...runIds])
      .execute();
    const cancelled = await this.store.db
      .selectFrom('runs')
      .select(['id', 'cancel_reason'])
      .where('id', 'in', [...runIds])
      .where('cancel_requested_at', 'is not', null)
      .execute();
    return cancelled.map((r) => ({ id: r.id, reason: r.cancel_reason ?? 'cancelled' }));
  }

  /** Asks the run's owner to abort it; false when it is not running. */
  async requestCancel(runId: string, reason: string): Promise<boolean> {
    const result = await this.store.db
      .updateTable('runs')
      .set({ cancel_requested_at: Date.now(), cancel_reason: reason })
      .where('id', '=', runId)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Marks `aborted` every running run whose owner stopped renewing its claim before `now`: its
   * replica died, and the agents' fault leases have reverted its faults since. Returns their ids.
   */
  async reapExpired(now: number): Promise<string[]> {
    const expired = await this.store.db
      .selectFrom('runs')
      .select(['id', 'owner'])
      .where('state', '=', 'running')
      .where('lease_expires_at', '<', now)
      .execute();
    const reaped: string[] = [];
    for (const run of expired) {
      const reason = `the server replica running it (${run.owner ?? 'unknown'}) stopped renewing its claim: its faults were reverted by the agents' leases`;
      if (await this.end(run.id, { verdict: 'aborted', reason })) reaped.push(run.id);
    }
    return reaped;
  }

  async reveal(runId: string): Promise<void> {
    await this.store.db
      .updateTable('runs')
      .set({ revealed_at: Date.now() })
      .where('id', '=', runId)
      .where('revealed_at', 'is', null)
      .execute();
  }

  async get(runId: string): Promise<RunInfo | undefined> {
    const row = await this.store.db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
    return row ? toInfo(row) : undefined;
  }

  async journal(runId: string): Promise<unknown> {
    const row = await this.store.db.selectFrom('run_journals').select('journal').where('run_id', '=', runId).executeTakeFirst();
    return row ? (JSON.parse(row.journal) as unknown) : undefined;
  }

  /** Newest first. */
  async list(query: RunQuery): Promise<RunInfo[]> {
    let q = this.store.db.selectFrom('runs').selectAll();
    if (query.verdict !== undefined) q = q.where('verdict', '=', query.verdict);
    if (query.since !== undefined) q = q.where('created_at', '>=', query.since);
    if (query.until !== undefined) q = q.where('created_at', '<', query.until);
    if (query.tag !== undefined) q = q.where('tags', 'like', `%${JSON.stringify(query.tag).replace(/[%_]/g, '')}%`);
    if (query.secrets === 'revealed') q = q.where((eb) => eb.or([eb('secret', '=', 0), eb('revealed_at', 'is not', null)]));
    const before = query.before;
    if (before) {
      q = q.where((eb) =>
        eb.or([eb('created_at', '<', before.createdAt), eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)])]),
      );
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
    return rows.map(toInfo);
  }
}

function toInfo(row: RunsTable): RunInfo {
  const request = JSON.parse(row.request) as { dryRun?: boolean; author?: string };
  return {
    id: row.id,
    experimentId: row.experiment_id,
    experimentVersion: row.experiment_version,
    title: row.title,
    state: row.state as RunState,
    verdict: row.verdict,
    reason: row.reason,
    secret: row.secret === 1,
    revealedAt: row.revealed_at,
    startedBy: row.started_by,
    author: request.author ?? row.started_by,
    createdAt: row.created_at,
    endedAt: row.ended_at,
    owner: row.owner,
    tags: JSON.parse(row.tags) as string[],
    targets: row.targets ?? null,
    dryRun: request.dryRun === true,
  };
}
