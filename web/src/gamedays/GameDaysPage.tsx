import { useQuery } from '@tanstack/react-query';
import { api } from '../api.js';
import type { GameDayView } from '../api.js';
import { Link } from '../router.js';
import { useCan } from '../session.js';
import { Loading, Problem, Time } from '../ui/parts.js';
import { DayState } from './day-parts.js';
import { GameDayEditor } from './GameDayEditor.js';
import { scenarioOf } from './use-gameday.js';
import './gamedays.css';

function part(view: GameDayView): string {
  if (view.you.as === 'team') return `responder (${view.you.teams.join(', ')})`;
  return view.you.as === 'scenario' ? 'white cell' : 'observer';
}

/**
 * The game days one takes part in (anyone else's are not listed: the API answers only one's
 * own): each by its public title, with the scenario's title and name for those who read it.
 * Villains, facilitators and admins apply game-day files here.
 */
export default function GameDaysPage() {
  const days = useQuery({
    queryKey: ['gamedays'],
    queryFn: async ({ signal }) => (await api<{ gamedays: GameDayView[] }>('GET', '/gamedays', undefined, signal)).gamedays,
    refetchInterval: 5000,
  });
  const mayWrite = useCan('gamedays.write');
  return (
    <section aria-labelledby="gamedays-title">
      <h1 id="gamedays-title">Game days</h1>
      <Problem error={days.error} />
      {days.isPending && <Loading what="game days" />}
      {days.data?.length === 0 && <p className="muted">You take part in no game day.</p>}
      {days.data && days.data.length > 0 && (
        <table className="gamedays">
          <thead>
            <tr>
              <th scope="col">Game day</th>
              <th scope="col">State</th>
              <th scope="col">Launched</th>
              <th scope="col">Ended</th>
              <th scope="col">Your part</th>
            </tr>
          </thead>
          <tbody>
            {days.data.map((day) => {
              const scenario = scenarioOf(day);
              return (
                <tr key={day.id}>
                  <td>
                    <Link to={`/gamedays/${day.id}`}>{day.publicTitle}</Link>
                    {scenario && (
                      <div className="muted">
                        {scenario.title} ({scenario.name})
                      </div>
                    )}
                  </td>
                  <td>
                    <DayState state={day.state} paused={scenario?.progress?.paused} />
                  </td>
                  <td>
                    <Time at={day.launchedAt} />
                  </td>
                  <td>
                    <Time at={day.endedAt} />
                  </td>
                  <td>{part(day)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {mayWrite && <GameDayEditor />}
    </section>
  );
}
