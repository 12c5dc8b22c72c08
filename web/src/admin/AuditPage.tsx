import { useQuery } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { api } from '../api.js';
import type { AuditRecord } from '../api.js';
import { Link, navigate, useLocation } from '../router.js';
import { Loading, Time } from '../ui/parts.js';
import { Refusal, retryUnlessRefused } from './Refusal.js';
import './admin.css';

const PAGE = 50;
/** The filters kept in the address bar; `since` and `until` as the reader's local time (`2025-05-01T14:00`). */
const FILTERS = ['actor', 'action', 'since', 'until'] as const;

/** The audit log, newest first: who did what to what, from where, how it ended; filtered and paged in the address bar. */
export default function AuditPage() {
  const { query } = useLocation();
  const params = auditQuery(query);
  const before = query.get('before');
  const records = useQuery({
    queryKey: ['audit', params.toString()],
    queryFn: ({ signal }) => api<{ records: AuditRecord[] }>('GET', `/audit?${params.toString()}`, undefined, signal),
    retry: retryUnlessRefused,
    // The newest page follows what happens; an older page holds still.
    refetchInterval: before ? false : 5000,
  });
  if (records.error && !records.data) return <Refusal error={records.error} who="Only an admin reads the audit log." />;
  const list = records.data?.records ?? [];
  const last = list.at(-1);
  const filtered = FILTERS.some((f) => query.get(f));
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit</h1>
      <AuditFilters query={query} />
      {records.isPending ? (
        <Loading what="the audit log" />
      ) : list.length === 0 ? (
        <p className="muted">No record {filtered ? 'matches these filters' : 'yet'}.</p>
      ) : (
        <table className="audit">
          <caption className="muted">{before ? 'Older records' : 'Newest first'}</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
              <th scope="col">From</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {list.map((record) => (
              <AuditRow key={record.id} record={record} query={query} />
            ))}
          </tbody>
        </table>
      )}
      <p className="paging">
        {before && <Link to={withQuery(query, { before: undefined })}>Newest records</Link>}
        {list.length === PAGE && last && <Link to={withQuery(query, { before: String(last.id) })}>Older records</Link>}
      </p>
    </section>
  );
}

function AuditRow({ record, query }: { record: AuditRecord; query: URLSearchParams }) {
  return (
    <tr>
      <td className="nowrap">
        <Time at={record.at} />
      </td>
      <td>
        <Link to={withQuery(query, { actor: record.actor, before: undefined })} title={`Only what ${record.actor} did`}>
          {record.actor}
        </Link>
      </td>
      <td>
        <code>{record.action}</code>
      </td>
      <td className="target">{record.target ?? '—'}</td>
      <td>
        <Outcome outcome={record.outcome} />
      </td>
      <td className="muted">{record.address ?? '—'}</td>
      <td>{record.detail ? <code className="detail">{JSON.stringify(record.detail)}</code> : <span className="muted">—</span>}</td>
    </tr>
  );
}

/** `ok` plainly; a refusal or an error in red, anything else (`partial`, `not running`) in amber: always the word, never colour alone. */
function Outcome({ outcome }: { outcome: string }) {
  if (outcome === 'ok') return <span>ok</span>;
  const bad = outcome.startsWith('denied') || outcome.startsWith('error');
  return <strong className={`outcome ${bad ? 'bad' : 'warn'}`}>{outcome}</strong>;
}

function AuditFilters({ query }: { query: URLSearchParams }) {
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const key of FILTERS) {
      const value = form.get(key);
      if (typeof value === 'string' && value.trim()) next.set(key, value.trim());
    }
    navigate(`/audit${next.size ? `?${next.toString()}` : ''}`);
  };
  return (
    // Keyed on the address, so that following an actor's link or going back shows that filter in the fields.
    <form key={query.toString()} className="filters" onSubmit={submit} aria-label="Filter the audit log">
      <label>
        Actor <input name="actor" defaultValue={query.get('actor') ?? ''} size={14} />
      </label>
      <label>
        Action <input name="action" defaultValue={query.get('action') ?? ''} size={14} placeholder="token.issue" />
      </label>
      <label>
        From <input name="since" type="datetime-local" step={1} defaultValue={query.get('since') ?? ''} />
      </label>
      <label>
        Until <input name="until" type="datetime-local" step={1} defaultValue={query.get('until') ?? ''} />
      </label>
      <button type="submit">Filter</button>
      {FILTERS.some((f) => query.get(f)) && <Link to="/audit">Clear filters</Link>}
    </form>
  );
}

/** The API's query for the page's address: local times become epoch milliseconds. */
function auditQuery(query: URLSearchParams): URLSearchParams {
  const params = new URLSearchParams({ limit: String(PAGE) });
  for (const key of ['actor', 'action', 'before'] as const) {
    const value = query.get(key);
    if (value) params.set(key, value);
  }
  for (const key of ['since', 'until'] as const) {
    const at = Date.parse(query.get(key) ?? '');
    if (Number.isFinite(at) && at >= 0) params.set(key, String(at));
  }
  return params;
}

function withQuery(query: URLSearchParams, changes: Record<string, string | undefined>): string {
  const next = new URLSearchParams(query);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) next.delete(key);
    else next.set(key, value);
  }
  return `/audit${next.size ? `?${next.toString()}` : ''}`;
}
