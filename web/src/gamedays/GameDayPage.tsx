import type { GameDayView } from '../api.js';
import { Link } from '../router.js';
import { Loading, Problem, Time } from '../ui/parts.js';
import { DayState } from './day-parts.js';
import { ResponderConsole } from './ResponderConsole.js';
import { Review } from './Review.js';
import { ScenarioPanel } from './ScenarioPanel.js';
import { Declarations } from './Timeline.js';
import { scenarioOf, useGameDay } from './use-gameday.js';
import './gamedays.css';

const PART: Readonly<Record<GameDayView['you']['as'], string>> = {
  scenario: 'You read the scenario.',
  team: 'You respond.',
  observer: 'You observe.',
};

/**
 * One game day, as the caller takes part in it: a responder team's console; an observer's view
 * of every team's declarations; the scenario and its progress for the white cell and the
 * villains (with the facilitator's controls). Once revealed, everyone reads the scenario and the
 * review. Asked again every 2 s while it runs.
 */
export default function GameDayPage({ id }: { id: string }) {
  const day = useGameDay(id);
  if (day.isPending) return <Loading what="the game day" />;
  if (!day.data) return <Problem error={day.error} />;
  const view = day.data;
  const scenario = scenarioOf(view);
  const part = view.you.as === 'team' ? `You respond in team ${view.you.teams.join(', ')}.` : PART[view.you.as];
  return (
    <section className="gameday" aria-labelledby="gameday-title">
      <p className="crumbs">
        <Link to="/gamedays">Game days</Link>
      </p>
      <h1 id="gameday-title">{scenario?.title ?? view.publicTitle}</h1>
      <p className="day-head">
        <DayState state={view.state} paused={scenario?.progress?.paused} />{' '}
        {scenario && <span className="muted">Responders see “{view.publicTitle}”. </span>}
        Launched <Time at={view.launchedAt} />
        {view.endedAt !== null && (
          <>
            , ended <Time at={view.endedAt} />
          </>
        )}
        . {part}
        {view.revealed && <strong> Revealed: the scenario is below.</strong>}
      </p>
      <Problem error={day.error} />
      {view.you.as === 'team' && <ResponderConsole view={view} />}
      {scenario && <ScenarioPanel view={scenario} />}
      {view.you.as !== 'team' && (
        <section className="card" aria-labelledby="declarations-title">
          <h2 id="declarations-title">Declarations of the teams ({view.teams.join(', ')})</h2>
          <Declarations view={view} />
        </section>
      )}
      {scenario && view.state === 'ended' && <Review id={view.id} />}
    </section>
  );
}
