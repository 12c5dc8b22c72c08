import { join } from 'node:path';
import { userName } from '../util/user-name.js';
import { UserError } from '../errors.js';
import type { AuditRecord } from '../store/audit.js';

export interface ImportOptions {
  readonly database?: string;
  readonly stateDir: string;
  readonly json?: boolean;
}

/** `firedrill server import [dir]`: journals of local runs into the server's store. */
export async function importCommand(dir: string | undefined, options: ImportOptions): Promise<number> {
  const [{ Store }, { importRuns }] = await Promise.all([import('../store/store.js'), import('../server/import-runs.js')]);
  const store = await Store.open(storeLocation(options));
  try {
    const outcome = await importRuns(store, dir ?? join(options.stateDir, 'runs'), `import by ${userName()}`);
    if (options.json) process.stdout.write(`${JSON.stringify(outcome)}\n`);
    else
      process.stdout.write(`imported ${outcome.imported.length} run(s) into ${store.location}; ${outcome.skipped.length} already there\n`);
    return 0;
  } finally {
    await store.close();
  }
}

export interface AuditOptions {
  readonly database?: string;
  readonly stateDir: string;
  readonly actor?: string;
  readonly action?: string;
  readonly since?: string;
  readonly limit: string;
  readonly json?: boolean;
}

/** `firedrill audit`: the store's audit log, newest first (this host's store; the API serves the same). */
export async function auditCommand(options: AuditOptions): Promise<number> {
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UserError('FD_BAD_LIMIT', `--limit expects 1 to 1000, got "${options.limit}"`);
  const since = options.since === undefined ? undefined : Date.parse(options.since);
  if (since !== undefined && Number.isNaN(since))
    throw new UserError('FD_BAD_SINCE', `--since expects a date like 2026-12-01 or an ISO time, got "${options.since}"`);
  const { Store } = await import('../store/store.js');
  const store = await Store.open(storeLocation(options));
  try {
    const records = await store.audit.list({ actor: options.actor, action: options.action, since, limit });
    if (options.json) process.stdout.write(`${JSON.stringify({ records })}\n`);
    else for (const record of records) process.stdout.write(`${formatRecord(record)}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

function formatRecord(r: AuditRecord): string {
  const target = r.target ? ` ${r.target}` : '';
  const from = r.address ? ` from ${r.address}` : '';
  return `${new Date(r.at).toISOString()}  ${r.actor}  ${r.action}${target}${from}  ${r.outcome}`;
}

function storeLocation(options: { database?: string; stateDir: string }): string {
  return options.database ?? process.env.FIREDRILL_DATABASE ?? join(options.stateDir, 'server.db');
}
