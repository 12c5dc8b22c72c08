import type pg from 'pg';

/** What a table held, in a form two clusters can compare: its row count and a checksum. */
export interface TableChecksum {
  /** `orders` for tables of the public schema, `schema.table` otherwise. */
  readonly name: string;
  readonly rows: number;
  readonly checksum: string;
}

/** Every ordinary table outside the system schemas, by name. */
export async function listUserTables(client: pg.Client): Promise<string[]> {
  const result = await client.query<{ name: string }>(
    `SELECT CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
      ORDER BY 1`,
  );
  return result.rows.map((row) => row.name);
}

/**
 * Row count and an md5 over every row's text in primary-key order (the whole row's text when
 * there is no primary key). Hashing each row first keeps the aggregate small however wide the
 * rows are. The text of a row depends on session settings: connect.ts pins them.
 * Undefined when the table does not exist.
 */
export async function tableChecksum(client: pg.Client, name: string): Promise<TableChecksum | undefined> {
  const [schema, table] = name.includes('.') ? (name.split('.', 2) as [string, string]) : ['public', name];
  const relation = `${quoteIdent(schema)}.${quoteIdent(table)}`;
  const found = await client.query<{ oid: number | null }>('SELECT to_regclass($1)::oid AS oid', [relation]);
  const oid = found.rows[0]?.oid;
  if (oid === null || oid === undefined) return undefined;
  const keys = await client.query<{ column: string }>(
    `SELECT a.attname AS column
       FROM pg_index i JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON true
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1 AND i.indisprimary
      ORDER BY k.position`,
    [oid],
  );
  const order = keys.rows.length > 0 ? keys.rows.map((key) => `t.${quoteIdent(key.column)}`).join(', ') : 't::text';
  const result = await client.query<{ rows: string; checksum: string }>(
    `SELECT count(*) AS rows, md5(coalesce(string_agg(md5(t::text), '' ORDER BY ${order}), '')) AS checksum FROM ${relation} AS t`,
  );
  const row = result.rows[0];
  return { name, rows: Number(row?.rows ?? 0), checksum: row?.checksum ?? '' };
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
