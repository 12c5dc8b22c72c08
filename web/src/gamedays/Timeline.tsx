import type { GameDayDeclaration, GameDayView, StoredAlert } from '../api.js';
import { Time, Head } from '../ui/parts.js';
import { DECLARED, offset } from './day-parts.js';

function What({ d }: { d: GameDayDeclaration }) {
  const said = DECLARED[d.declare] ?? d.declare;
  const cause = [d.cause?.service && `service ${d.cause.service}`, d.cause?.fault && `fault ${d.cause.fault}`].filter(Boolean).join(', ');
  return (
    <>
      <strong>{d.declare}</strong>
      {said !== d.declare && <span className="muted"> ({said})</span>}
      {cause && <> — {cause}</>}
      {d.detail && <>: {d.detail}</>}
    </>
  );
}

/** Every team's declarations, for the white cell and the observers. */
export function Declarations({ view }: { view: GameDayView }) {
  if (view.declarations.length === 0) return <p className="muted">No team has declared anything yet.</p>;
  return (
    <table className="declarations">
      <Head columns={['When', 'Team', 'Declared', 'By']} />
      <tbody>
        {view.declarations.map((d, i) => (
          <tr key={i}>
            <td>
              {offset(d.at, view.launchedAt)} <Time at={d.at} />
            </td>
            <td>{d.team}</td>
            <td>
              <What d={d} />
            </td>
            <td>{d.by}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type Entry = { at: number; declaration: GameDayDeclaration } | { at: number; alert: StoredAlert };

/** A team's timeline: what it declared and what the monitoring said, newest first. */
export function TeamTimeline({ view, alerts }: { view: GameDayView; alerts: readonly StoredAlert[] }) {
  const entries: Entry[] = [
    ...view.declarations.map((declaration) => ({ at: declaration.at, declaration })),
    ...alerts.map((alert) => ({ at: alert.receivedAt, alert })),
  ].sort((a, b) => b.at - a.at);
  if (entries.length === 0) return <p className="muted">Nothing yet: no alert, no declaration.</p>;
  return (
    <ol className="timeline" aria-label="Your team's timeline">
      {entries.map((e) => (
        <li
          key={'alert' in e ? e.alert.id : `${e.at}-${e.declaration.declare}-${e.declaration.by}`}
          data-kind={'alert' in e ? 'alert' : 'declaration'}
        >
          <span className="when">
            {offset(e.at, view.launchedAt)} <Time at={e.at} />
          </span>{' '}
          {'alert' in e ? (
            <>
              <span className="tag">alert {e.alert.status}</span> <strong>{e.alert.labels.alertname ?? '(no name)'}</strong>{' '}
              <span className="muted">from {e.alert.source}</span>
              {e.alert.annotations.summary && <> — {e.alert.annotations.summary}</>}
            </>
          ) : (
            <>
              <span className="tag">{e.declaration.team}</span> <What d={e.declaration} />{' '}
              <span className="muted">by {e.declaration.by}</span>
            </>
          )}
        </li>
      ))}
    </ol>
  );
}
