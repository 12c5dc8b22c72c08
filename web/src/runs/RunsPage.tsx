import { useQuery } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { api } from '../api.js';
import type { RunInfo } from '../api.js';
import { Link, navigate, useLocation } from '../router.js';
import { Badge, duration, Loading, Problem, Time } from '../ui/parts.js';

const PERIODS: Readonly<Record<string, number>> = { hour: 3600_000, day: 86_400_000, week: 7 * 86_400_000, month: 30 * 86_400_000 };

/** Runs, newest first: verdict, who started it, what it hit, how long; filtered by verdict, tag and time, in the address bar. */
export default function RunsPage() {
  const { query } = useLocation();
  const verdict = query.get('verdict') ?? '';
  const tag = query.get('tag') ?? '';
  const period = query.get('period') ?? '';
  const before = query.get('before') ?? '';
  const params = new URLSearchParams({ limit: '50' });
  if (verdict) params.set('verdict', verdict);
  if (tag) params.set('tag', tag);
  // Rounded to the minute, so that the cache key holds still between two renders.
  if (PERIODS[period]) params.set('since', String(Math.floor((Date.now() - (PERIODS[period] ?? 0)) / 60_000) * 60_000));
  if (before) params.set('before', before);
  const runs = useQuery({
    queryKey: ['runs', params.toString()],
    queryFn: ({ signal }) => api<{ runs: RunInfo[] }>('GET', `/runs?${params.toString()}`, undefined, signal),
    refetchInterval: 2000,
  });
  const filter = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const key of ['verdict', 'tag', 'period']) {
      const value = form.get(key);
      if (typeof value === 'string' && value) next.set(key, value);
    }
    navigate(`/runs${next.size ? `?${next.toString()}` : ''}`);
  };
  const list = runs.data?.runs ?? [];
  const last = list.at(-1);
  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">Runs</h1>
      <form className="filters" onSubmit={filter} aria-label="Filter runs">
        <label>
          Verdict
          <select name="verdict" defaultValue={verdict}>
            <option value="">any</option>
            {['passed', 'deviated', 'aborted', 'failed'].map((v) => (
              <option key={v}>{v}</option>
            ))}
          </select>
        </label>
        <label>
          Tag <input name="tag" defaultValue={tag} size={12} />
        </label>
        <label>
          Since
          <select name="period" defaultValue={period}>
            <option value="">always</option>
            {Object.keys(PERIODS).map((p) => (
              <option key={p} value={p}>
                a {p} ago
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      <Problem error={runs.error} />
      {runs.isPending ? (
        <Loading what="runs" />
      ) : list.length === 0 ? (
        <p className="muted">No run {verdict || tag || period ? 'matches these filters' : 'yet: start one from Experiments'}.</p>
      ) : (
        <table className="runs">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Verdict</th>
              <th scope="col">Started by</th>
              <th scope="col">Targets</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            {list.map((run) => (
              <tr key={run.id}>
                <td>
                  <Link to={`/runs/${run.id}`}>{run.title}</Link>
                  {run.dryRun && <span className="tag">dry run</span>}
                  {run.secret && <span className="tag secret">secret</span>}
                  {run.tags.map((t) => (
                    <span key={t} className="tag">
                      {t}
                    </span>
                  ))}
                </td>
                <td>
                  <Badge verdict={run.verdict ?? run.state} />
                </td>
                <td>{run.startedBy}</td>
                <td className="targets">{run.targets ?? '—'}</td>
                <td>
                  <Time at={run.createdAt} />
                </td>
                <td>{duration((run.endedAt ?? Date.now()) - run.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.length === 50 && last && (
        <p>
          <Link to={`/runs?${new URLSearchParams({ ...Object.fromEntries(query), before: last.id }).toString()}`}>Older runs</Link>
        </p>
      )}
    </section>
  );
}
