import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api.js';
import type { Declaration, GameDayView } from '../api.js';
import { Problem } from '../ui/parts.js';
import { Reconstruction } from './Reconstruction.js';
import { TeamTimeline } from './Timeline.js';
import { useAlertsSince, useCauses } from './use-gameday.js';

interface DeclareBody {
  readonly declare: Declaration;
  readonly detail?: string;
  readonly cause?: { service?: string; fault?: string };
}

/** The one-click declarations, in the words a team would say them. */
const QUICK: readonly (readonly [Declaration, string])[] = [
  ['detected', 'We see something'],
  ['acknowledged', 'We own it'],
  ['contained', 'Contained'],
  ['recovered', 'Recovered'],
];

const field = (form: FormData, name: string): string => {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
};

/**
 * A responder team's console: declare what the team sees and does (each declaration is timed
 * against the injection it cannot see), and its timeline with the alerts since the launch.
 * Nothing of the scenario: the API does not answer it to a team before the reveal.
 */
export function ResponderConsole({ view }: { view: GameDayView }) {
  const queries = useQueryClient();
  const teams = view.you.as === 'team' ? view.you.teams : [];
  const [team, setTeam] = useState(teams[0] ?? '');
  const [note, setNote] = useState('');
  const running = view.state === 'running';
  const alerts = useAlertsSince(view.launchedAt, running);
  const causes = useCauses(view.id, running);
  const declare = useMutation({
    mutationFn: (body: DeclareBody) =>
      api<{ declaration: { declare: string; team: string } }>('POST', `/gamedays/${view.id}/declarations`, {
        ...body,
        ...(teams.length > 1 && { team }),
      }),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ['gameday'] }),
  });
  const quick = (what: Declaration) => {
    declare.mutate({ declare: what, ...(note.trim() && { detail: note.trim() }) }, { onSuccess: () => setNote('') });
  };
  const diagnose = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const [detail, service, fault] = ['detail', 'service', 'fault'].map((name) => field(form, name));
    const cause = { ...(service && { service }), ...(fault && { fault }) };
    declare.mutate({ declare: 'diagnosed', ...(detail && { detail }), ...((service || fault) && { cause }) });
    event.currentTarget.reset();
  };
  return (
    <section className="card console" aria-labelledby="console-title">
      <h2 id="console-title">Responder console</h2>
      {view.state === 'draft' && <p className="muted">Not launched yet: the console opens when it is.</p>}
      {view.state === 'ended' && <p className="muted">It has ended: nothing more can be declared.</p>}
      {running && (
        <>
          {teams.length > 1 && (
            <label>
              Declare for team
              <select value={team} onChange={(e) => setTeam(e.target.value)}>
                {teams.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            </label>
          )}
          <div className="declare" role="group" aria-label="Declare">
            <label>
              Note (optional) <input value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} />
            </label>
            <div className="declare-buttons">
              {QUICK.map(([what, label]) => (
                <button key={what} type="button" disabled={declare.isPending} onClick={() => quick(what)}>
                  {label}
                </button>
              ))}
            </div>
          </div>
          <form className="stack diagnose" onSubmit={diagnose} aria-labelledby="diagnose-title">
            <h3 id="diagnose-title">Suspected cause</h3>
            <label>
              What you suspect <input name="detail" maxLength={2000} />
            </label>
            <label>
              Service <input name="service" maxLength={200} list="cause-services" placeholder="pick or type" />
            </label>
            <label>
              Fault kind <input name="fault" maxLength={200} list="cause-faults" placeholder="pick or type" />
            </label>
            <datalist id="cause-services">
              {causes.data?.services.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
            <datalist id="cause-faults">
              {causes.data?.faults.map((f) => (
                <option key={f} value={f} />
              ))}
            </datalist>
            <button type="submit" disabled={declare.isPending}>
              Declare the suspected cause
            </button>
          </form>
          <Reconstruction view={view} team={team} techniques={causes.data?.techniques ?? []} />
          <Problem error={declare.error} />
          {declare.data && (
            <p role="status">
              Declared {declare.data.declaration.declare} for team {declare.data.declaration.team}.
            </p>
          )}
        </>
      )}
      <h3>Your team&apos;s timeline</h3>
      <Problem error={alerts.error} />
      <TeamTimeline view={view} alerts={alerts.data ?? []} />
    </section>
  );
}
