import { randomUUID } from 'node:crypto';
import type { StoreDb } from './open.js';
import type { ExperimentsTable } from './schema.js';

export interface ExperimentInfo {
  readonly id: string;
  /** Unique among live experiments; the file name it came from, or what its author chose. */
  readonly name: string;
  readonly title: string;
  readonly secret: boolean;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly version: number;
  /** Who wrote the latest version. */
  readonly updatedBy: string;
}

export interface ExperimentVersion {
  readonly version: number;
  readonly yaml: string;
  readonly author: string;
  readonly createdAt: number;
}

export interface ListQuery {
  /** With secret experiments (only for those allowed to see them). */
  readonly secrets: boolean;
  /** Only the secret ones of this author, beside the others (a villain sees their own drafts). */
  readonly secretsOf?: string | undefined;
}

/** Experiments and every version of their YAML text; deleting one only hides it. */
export class Experiments {
  constructor(private readonly store: StoreDb) {}

  async create(input: { name: string; title: string; yaml: string; secret: boolean; author: string }): Promise<ExperimentInfo> {
    const id = randomUUID();
    const now = Date.now();
    await this.store.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('experiments')
        .values({
          id,
          name: input.name,
          title: input.title,
          secret: input.secret ? 1 : 0,
          created_by: input.author,
          created_at: now,
          updated_at: now,
          latest_version: 1,
          deleted_at: null,
        })
        .execute();
      await tx
        .insertInto('experiment_versions')
        .values({ experiment_id: id, version: 1, yaml: input.yaml, author: input.author, created_at: now })
        .execute();
    });
    return {
      id,
      name: input.name,
      title: input.title,
      secret: input.secret,
      createdBy: input.author,
      createdAt: now,
      updatedAt: now,
      version: 1,
      updatedBy: input.author,
    };
  }

  /** A new version of the text; the previous ones stay. Undefined when there is no such live experiment. */
  async update(id: string, input: { title: string; yaml: string; author: string }): Promise<ExperimentInfo | undefined> {
    const now = Date.now();
    const done = await this.store.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('experiments').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
      if (!row) return false;
      const version = row.latest_version + 1;
      await tx
        .insertInto('experiment_versions')
        .values({ experiment_id: id, version, yaml: input.yaml, author: input.author, created_at: now })
        .execute();
      await tx
        .updateTable('experiments')
        .set({ title: input.title, updated_at: now, latest_version: version })
        .where('id', '=', id)
        .execute();
      return true;
    });
    return done ? this.get(id) : undefined;
  }

  async get(id: string): Promise<ExperimentInfo | undefined> {
    const row = await this.#withAuthor().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    return row ? toInfo(row) : undefined;
  }

  async findByName(name: string): Promise<ExperimentInfo | undefined> {
    const row = await this.#withAuthor().where('name', '=', name).where('deleted_at', 'is', null).executeTakeFirst();
    return row ? toInfo(row) : undefined;
  }

  /** Experiments with the author of their latest version. */
  #withAuthor() {
    return this.store.db
      .selectFrom('experiments')
      .innerJoin('experiment_versions as latest', (join) =>
        join.onRef('latest.experiment_id', '=', 'experiments.id').onRef('latest.version', '=', 'experiments.latest_version'),
      )
      .selectAll('experiments')
      .select('latest.author as updated_by');
  }

  async list(query: ListQuery): Promise<ExperimentInfo[]> {
    let q = this.#withAuthor().where('deleted_at', 'is', null);
    if (!query.secrets) {
      const author = query.secretsOf;
      q = author === undefined ? q.where('secret', '=', 0) : q.where((eb) => eb.or([eb('secret', '=', 0), eb('created_by', '=', author)]));
    }
    return (await q.orderBy('name').execute()).map(toInfo);
  }

  /** Newest first; `version` picks one. */
  async versions(id: string, version?: number): Promise<ExperimentVersion[]> {
    let q = this.store.db.selectFrom('experiment_versions').selectAll().where('experiment_id', '=', id);
    if (version !== undefined) q = q.where('version', '=', version);
    const rows = await q.orderBy('version', 'desc').execute();
    return rows.map((r) => ({ version: r.version, yaml: r.yaml, author: r.author, createdAt: r.created_at }));
  }

  async remove(id: string): Promise<boolean> {
    const result = await this.store.db
      .updateTable('experiments')
      .set({ deleted_at: Date.now() })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}

function toInfo(row: ExperimentsTable & { updated_by: string }): ExperimentInfo {
  return {
    id: row.id,
    name: row.name,
    title: row.title,
    secret: row.secret === 1,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.latest_version,
    updatedBy: row.updated_by,
  };
}
