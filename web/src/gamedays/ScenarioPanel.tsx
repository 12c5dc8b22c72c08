import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../api.js';
import type { GameDayScenario, StepProgress } from '../api.js';
import { ConfirmButton } from '../admin/ConfirmButton.js';
import { Link } from '../router.js';
import { useCan } from '../session.js';
import { duration, Problem, Head } from '../ui/parts.js';
import { describeTrigger, offset, StepState } from './day-parts.js';

type Command = { command: 'pause' | 'resume' | 'end' } | { command: 'inject'; step: string };

/**
 * The scenario and how it goes: each step with its trigger, its state, when it was injected,
 * contained and recovered (from the launch), its run and verdict. Facilitators (gamedays.run)
 * launch, pause, resume, inject a waiting step and end it from here; the driver reads each
 * command on its next tick, so the page shows it applied a moment later.
 */
export function ScenarioPanel({ view }: { view: GameDayScenario }) {
  const queries = useQueryClient();
  const mayRun = useCan('gamedays.run') && view.you.as === 'scenario';
  const refresh = () => void queries.invalidateQueries({ queryKey: ['gameday'] });
  const launch = useMutation({ mutationFn: () => api('POST', `/gamedays/${view.id}/launch`, {}), onSuccess: refresh });
  const command = useMutation({ mutationFn: (body: Command) => api('POST', `/gamedays/${view.id}/commands`, body), onSuccess: refresh });
  const running = view.state === 'running';
  const paused = view.progress?.paused ?? false;
  const busy = launch.isPending || command.isPending;
  const steps = view.progress?.steps ?? [];
  return (
    <section className="card scenario" aria-labelledby="scenario-title">
      <h2 id="scenario-title">The scenario</h2>
      <p>
        Game day <strong>{view.name}</strong>, facilitated by {view.spec.facilitator ?? 'the white cell'}
        {view.spec.villains.length > 0 && <>, written by {view.spec.villains.join(', ')}</>}. Teams:{' '}
        {Object.entries(view.spec.teams)
          .map(([team, members]) => `${team} (${members.join(', ')})`)
          .join('; ')}
        . It ends by itself after {duration(view.spec.maxDuration)}.
      </p>
      {mayRun && (
        <div className="controls" role="group" aria-label="Run the game day">
          {!running && (
            <button type="button" className="primary" disabled={busy} onClick={() => launch.mutate()}>
              {view.state === 'ended' ? 'Launch again' : 'Launch'}
            </button>
          )}
          {running &&
            (paused ? (
              <button type="button" disabled={busy} onClick={() => command.mutate({ command: 'resume' })}>
                Resume
              </button>
            ) : (
              <button type="button" disabled={busy} onClick={() => command.mutate({ command: 'pause' })}>
                Pause
              </button>
            ))}
          {running && (
            <ConfirmButton
              action="End"
              subject="the game day"
              question="End it now and reveal the scenario to everyone?"
              busy={busy}
              onConfirm={() => command.mutate({ command: 'end' })}
            />
          )}
        </div>
      )}
      {running && paused && (
        <p className="muted">Paused: no step is injected by its trigger until it is resumed; Inject now still injects.</p>
      )}
      <Problem error={launch.error ?? command.error} />
      <table className="steps">
        <Head columns={['Step', 'Trigger', 'State', 'Injected', 'Contained', 'Recovered', 'Run']} />
        <tbody>
          {view.spec.scenario.map((step, i) => {
            const progress: StepProgress = steps[i] ?? { name: step.name, state: 'waiting' };
            const cause = [step.cause?.service, step.cause?.fault].filter(Boolean).join(' / ');
            return (
              <tr key={step.name}>
                <th scope="row">
                  {step.name} <span className="muted">(experiment {step.experiment})</span>
                  {cause && <div className="muted">cause to find: {cause}</div>}
                  {progress.techniques?.map((t) => (
                    <div key={t.faultId} className="muted">
                      {t.id} {t.name} on {t.target}
                      {t.containedAt === undefined ? '' : ` — contained ${offset(t.containedAt, view.launchedAt)}`}
                    </div>
                  ))}
                </th>
                <td>{describeTrigger(step.trigger)}</td>
                <td>
                  <StepState step={progress} />
                  {progress.reason && <div className="muted">{progress.reason}</div>}
                  {mayRun && running && progress.state === 'waiting' && (
                    <div>
                      <button
                        type="button"
                        aria-label={`Inject ${step.name} now`}
                        disabled={busy}
                        onClick={() => command.mutate({ command: 'inject', step: step.name })}
                      >
                        Inject now
                      </button>
                    </div>
                  )}
                </td>
                <td>{offset(progress.injectedAt, view.launchedAt)}</td>
                <td title={progress.containedBy}>{offset(progress.containedAt, view.launchedAt)}</td>
                <td>{offset(progress.recoveredAt, view.launchedAt)}</td>
                <td>{progress.runId ? <Link to={`/runs/${progress.runId}`}>{progress.runId}</Link> : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {view.progress?.endedReason && <p>Ended: {view.progress.endedReason}.</p>}
      <Expectations steps={steps} />
      {view.commands.length > 0 && (
        <>
          <h3>Commands</h3>
          <ol className="commands">
            {view.commands.map((c, i) => (
              <li key={i}>
                {offset(c.at, view.launchedAt)} <strong>{c.command}</strong>
                {c.step && <> {c.step}</>} <span className="muted">by {c.by}</span>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

/** The steps' expectations once their runs ended: met, late or missed, and how long it took. */
function Expectations({ steps }: { steps: readonly StepProgress[] }) {
  const rows = steps.flatMap((s) => (s.expectations ?? []).map((e) => ({ step: s.name, ...e })));
  if (rows.length === 0) return null;
  return (
    <>
      <h3>Expectations</h3>
      <ul className="expectations">
        {rows.map((e) => (
          <li key={`${e.step}-${e.name}`}>
            {e.step}: {e.name} <strong>{e.status}</strong>
            {e.tookMs !== undefined && <> in {duration(e.tookMs)}</>} <span className="muted">— {e.detail}</span>
          </li>
        ))}
      </ul>
    </>
  );
}
