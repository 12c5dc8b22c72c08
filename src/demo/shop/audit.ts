import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../../errors.js';
import { withClient } from '../../postgres/connect.js';
import { sendJson } from './http-io.js';
import { close, listen } from './listen.js';
import { findWritable } from './writable.js';
import type { DatabasePair } from './writable.js';

export interface AuditReport {
  /** Orders acknowledged when the audit started: the ones it checked. */
  readonly acked: number;
  readonly present: number;
  readonly missingCount: number;
  /** The first 20 missing ids. */
  readonly missing: readonly string[];
  /** Orders acknowledged while the audit ran: not checked by this audit, but by the next one. */
  readonly ackedDuringAudit: number;
  /** Where they were looked for; null when the shop has no database. */
  readonly database: 'primary' | 'replica' | null;
}

/**
 * The RPO check: is every order the shop acknowledged in the database that takes writes now?
 *
 * `acknowledged` may be a live list that only grows — the load generator's, to which every 201
 * is appended, also while this audit waits for the database. The audit checks one copy of it,
 * taken before its first await: an order acknowledged during the audit is counted apart, in
 * `ackedDuringAudit`, and checked by the next audit. (Counting it in this one, after the query
 * that could have found it, would report a stored order as lost.)
 */
export async function auditOrders(pair: DatabasePair | null, acknowledged: readonly string[]): Promise<AuditReport> {
  const acked = acknowledged.slice();
  const ackedDuringAudit = (): number => Math.max(0, acknowledged.length - acked.length);
  if (!pair) {
    return {
      acked: acked.length,
      present: 0,
      missingCount: acked.length,
      missing: acked.slice(0, 20),
      ackedDuringAudit: ackedDuringAudit(),
      database: null,
    };
  }
  const writable = await findWritable(pair);
  if (!writable) throw new Error('no database takes writes now (neither the primary nor the replica answers as a primary)');
  const present = new Set<string>();
  await withClient(writable.endpoint, { queryTimeoutMs: 10_000 }, async (client) => {
    for (let start = 0; start < acked.length; start += 5000) {
      const result = await client.query<{ id: string }>('SELECT id::text AS id FROM orders WHERE id = ANY($1::uuid[])', [
        acked.slice(start, start + 5000),
      ]);
      for (const row of result.rows) present.add(row.id);
    }
  });
  // PostgreSQL prints a uuid lower-cased; the orders service accepts (and acknowledges) any case.
  const missing = acked.filter((id) => !present.has(id.toLowerCase()));
  return {
    acked: acked.length,
    present: acked.length - missing.length,
    missingCount: missing.length,
    missing: missing.slice(0, 20),
    ackedDuringAudit: ackedDuringAudit(),
    database: writable.role,
  };
}

/**
 * `GET /audit` on 127.0.0.1:port (0: any free port); 503 when no database takes writes. `acked`
 * may return the live list of acknowledged ids (see auditOrders for how the audit counts the ones
 * appended while it runs). With `explain`, the report also says, for each missing order, when
 * and by whom it was acknowledged.
 */
export async function startAuditServer(
  port: number,
  pair: DatabasePair | null,
  acked: () => readonly string[],
  explain?: (id: string) => object | undefined,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/audit') {
      sendJson(res, 404, { error: 'GET /audit' });
      return;
    }
    auditOrders(pair, acked()).then(
      (report) => sendJson(res, 200, explain ? { ...report, missingAcks: report.missing.map((id) => ({ id, ...explain(id) })) } : report),
      (error: unknown) => sendJson(res, 503, { error: errorMessage(error) }),
    );
  });
  await listen(server, port);
  const bound = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${bound}/audit`, close: () => close(server) };
}
