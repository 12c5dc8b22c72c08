import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api } from '../api.js';
import type { AgentView, Journal, RunInfo } from '../api.js';
import { useCan } from '../session.js';
import { Badge, duration, Loading, Problem, Time } from '../ui/parts.js';
import { FaultsPanel, ProbesPanel, StepsPanel, Timeline } from './LivePanels.js';
import { LiveChart } from './LiveChart.js';
import { useRunEvents } from './use-run-events.js';
import './runs.css';

/**
 * One run, live: its steps, active faults with the lease time left, the probes' values, the
 * availability and latency charts with fault windows, the timeline and the verdict; once ended,
 * the full report in the page and its downloads.
 */
export default function RunPage({ id }: { id: string }) {
  const queries = useQueryClient();
  const mayStop = useCan('runs.start');
  const run = useQuery({
    queryKey: ['run', id],
    queryFn: ({ signal }) => api<{ run: RunInfo; journal: Journal | null }>('GET', `/runs/${encodeURIComponent(id)}`, undefined, signal),
  });
  const { live, ended, connected } = useRunEvents(id);
  const running = run.data?.run.state === 'running' && !ended;
  // The agents say how long each fault's lease has left; asked every second while the run runs.
  const agents = useQuery({
    queryKey: ['agents'],
    queryFn: ({ signal }) => api<{ agents: AgentView[] }>('GET', '/agents', undefined, signal),
    refetchInterval: running ? 1000 : false,
    enabled: running,
  });
  useEffect(() => {
    if (ended) void queries.invalidateQueries({ queryKey: ['run', id] });
  }, [ended, id, queries]);
  const [error, setError] = useState<unknown>();
  if (run.isPending) return <Loading what="the run" />;
  if (run.error) return <Problem error={run.error} />;
  const info = run.data.run;
  const verdict = live.ended?.verdict ?? info.verdict ?? (running ? 'running' : info.state);
  const cancel = () => {
    if (window.confirm('Abort this run? Every fault it holds is reverted now.')) {
      api('POST', `/runs/${encodeURIComponent(id)}/cancel`, { reason: 'from the dashboard' }).catch(setError);
    }
  };
  const leases = new Map(
    (agents.data?.agents ?? []).flatMap((a) =>
      (a.faults ?? []).filter((f) => f.runId === id).map((f) => [f.faultId, f.leaseExpiresAt] as const),
    ),
  );
  return (
    <article aria-labelledby="run-title" className="run">
      <header className="run-head">
        <h1 id="run-title">{live.title || info.title}</h1>
        <Badge verdict={verdict} />
        {info.dryRun && <span className="tag">dry run</span>}
        <span className="muted">
          started by {info.startedBy} at <Time at={info.createdAt} />, {duration((info.endedAt ?? Date.now()) - info.createdAt)}
          {running && (connected ? ' · live' : ' · reconnecting…')}
        </span>
        {running && mayStop && (
          <button type="button" onClick={cancel}>
            Abort run
          </button>
        )}
      </header>
      <Problem error={error} />
      {(live.ended ?? info.reason) && !running && (
        <p className={`verdict-line ${verdict}`} data-testid="verdict">
          <strong>{verdict}</strong>: {live.ended?.reason ?? info.reason}
        </p>
      )}
      {live.targets.length > 0 && <p className="muted">Targets: {live.targets.join('; ')}</p>}
      <div className="grid">
        <StepsPanel live={live} />
        <FaultsPanel live={live} leases={leases} />
        <ProbesPanel live={live} />
      </div>
      <div className="charts">
        <LiveChart live={live} kind="availability" />
        <LiveChart live={live} kind="latency" />
      </div>
      <Timeline live={live} />
      {!running && run.data.journal && <Report id={id} />}
    </article>
  );
}

function Report({ id }: { id: string }) {
  const base = `/api/v1/runs/${encodeURIComponent(id)}/report`;
  return (
    <section aria-labelledby="report-title" className="report">
      <h2 id="report-title">Report</h2>
      <p className="downloads">
        Download: <a href={`${base}/html?download=1`}>HTML</a> · <a href={`${base}/md?download=1`}>Markdown</a> ·{' '}
        <a href={`${base}/junit?download=1`}>JUnit</a> · <a href={`${base}/json`}>journal (JSON)</a>
      </p>
      {/* The same report.html as the CLI writes; sandboxed: its script draws the charts, it reaches nothing. */}
      <iframe title="Full report" src={`${base}/html`} sandbox="allow-scripts" className="report-frame" />
    </section>
  );
}
