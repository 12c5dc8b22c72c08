import { useQuery } from '@tanstack/react-query';
import { api } from '../api.js';
import { Link } from '../router.js';
import { useCan } from '../session.js';
import { Badge, Loading, Problem, Time } from '../ui/parts.js';
import { DrillsEditor } from './DrillsEditor.js';
import { AskPanel, IncidentsPanel } from './DrillTools.js';
import './drills.css';

interface DrillView {
  readonly id: string;
  readonly name: string;
  readonly title: string;
  readonly team: string;
  readonly kind: string;
  readonly announcement: 'announced' | 'window' | 'unannounced';
  readonly facilitator: string;
  readonly enabled: boolean;
  readonly nextLaunchAt: number | null;
}

interface LaunchView {
  readonly id: string;
  readonly drill: string;
  readonly title: string;
  readonly team: string;
  readonly announcement: string;
  readonly dueAt: number;
  readonly state: string;
  readonly reason: string | null;
  readonly runId: string | null;
  readonly verdict: string | null;
  readonly revealedAt: number | null;
}

const DAY = 86_400_000;
const ANNOUNCEMENT: Readonly<Record<string, string>> = {
  announced: 'announced',
  window: 'the team knows one comes',
  unannounced: 'unannounced',
};

/**
 * The drill calendar: the drills one may know of (the white cell sees them all, and what is
 * coming; the others see announced drills, and unannounced ones only once revealed), past
 * launches with their verdict or why they were skipped, open incidents, and "is this a drill?".
 */
export default function DrillsPage() {
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  const drills = useQuery({
    queryKey: ['drills'],
    queryFn: ({ signal }) => api<{ drills: DrillView[]; windows: { team: string }[] }>('GET', '/drills', undefined, signal),
    refetchInterval: 5000,
  });
  const calendar = useQuery({
    queryKey: ['drill-calendar', now],
    queryFn: ({ signal }) =>
      api<{ launches: LaunchView[] }>('GET', `/drills/calendar?since=${now - 14 * DAY}&until=${now + 7 * DAY}`, undefined, signal),
    refetchInterval: 5000,
  });
  const whiteCell = useCan('drills.write');
  const launches = calendar.data?.launches ?? [];
  const upcoming = launches.filter((l) => l.state === 'planned' || l.state === 'claimed');
  const past = launches.filter((l) => !upcoming.includes(l)).reverse();
  return (
    <section aria-labelledby="drills-title">
      <h1 id="drills-title">Drills</h1>
      <Problem error={drills.error ?? calendar.error} />
      {drills.isPending ? (
        <Loading what="drills" />
      ) : (
        <table className="drills">
          <thead>
            <tr>
              <th scope="col">Drill</th>
              <th scope="col">Team</th>
              <th scope="col">Announcement</th>
              <th scope="col">Next launch</th>
              <th scope="col">Facilitator</th>
            </tr>
          </thead>
          <tbody>
            {drills.data?.drills.map((d) => (
              <tr key={d.id}>
                <td>
                  {d.title}{' '}
                  <span className="muted">
                    ({d.name}, {d.kind})
                  </span>
                  {!d.enabled && <span className="tag">disabled</span>}
                </td>
                <td>{d.team}</td>
                <td>
                  <span className={`tag announce-${d.announcement}`}>{ANNOUNCEMENT[d.announcement]}</span>
                </td>
                <td>{d.enabled ? <Time at={d.nextLaunchAt} /> : '—'}</td>
                <td>{d.facilitator}</td>
              </tr>
            ))}
            {drills.data?.windows.map((w) => (
              <tr key={`window-${w.team}`}>
                <td colSpan={5} className="muted">
                  Team {w.team}: a drill will come; when and what are not said.
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {drills.data && drills.data.drills.length === 0 && drills.data.windows.length === 0 && (
        <p className="muted">No drill you may know of. The white cell applies them with `firedrill drills apply drills.yaml`.</p>
      )}
      {whiteCell && (
        <>
          <h2>Coming (white cell only)</h2>
          <Launches launches={upcoming} empty="Nothing planned in the next 7 days." />
        </>
      )}
      <h2>Past 14 days</h2>
      <Launches launches={past} empty="No launch you may know of." />
      <div className="grid">
        <IncidentsPanel />
        <AskPanel />
      </div>
      {whiteCell && <DrillsEditor />}
    </section>
  );
}

function Launches({ launches, empty }: { launches: readonly LaunchView[]; empty: string }) {
  if (launches.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ol className="launches">
      {launches.map((l) => (
        <li key={l.id} data-state={l.state}>
          <Time at={l.dueAt} /> <strong>{l.title}</strong> <span className="muted">({l.team})</span>{' '}
          {l.verdict ? <Badge verdict={l.verdict} /> : <span className={`tag state-${l.state}`}>{l.state}</span>}
          {l.reason && <span className="muted"> — {l.reason}</span>}
          {l.runId && (
            <>
              {' '}
              <Link to={`/runs/${l.runId}`}>the run</Link>
            </>
          )}
        </li>
      ))}
    </ol>
  );
}
