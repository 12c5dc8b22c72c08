import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api.js';
import { useCan } from '../session.js';
import { Problem, Time } from '../ui/parts.js';

interface Incident {
  readonly id: string;
  readonly team: string | null;
  readonly title: string;
  readonly openedBy: string;
  readonly openedAt: number;
}

const text = (form: FormData, name: string): string => {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
};

/** Open incidents (no drill of their team launches meanwhile), declared and closed by responders and leads. */
export function IncidentsPanel() {
  const queries = useQueryClient();
  const mayDeclare = useCan('incidents.declare');
  const incidents = useQuery({
    queryKey: ['incidents'],
    queryFn: ({ signal }) => api<{ incidents: Incident[] }>('GET', '/incidents', undefined, signal),
    refetchInterval: 5000,
  });
  const refresh = () => void queries.invalidateQueries({ queryKey: ['incidents'] });
  const open = useMutation({ mutationFn: (body: { title: string; team?: string }) => api('POST', '/incidents', body), onSuccess: refresh });
  const close = useMutation({ mutationFn: (id: string) => api('POST', `/incidents/${id}/close`, {}), onSuccess: refresh });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const team = text(form, 'team');
    open.mutate({ title: text(form, 'title'), ...(team && { team }) });
    event.currentTarget.reset();
  };
  return (
    <section className="card" aria-labelledby="incidents-title">
      <h2 id="incidents-title">Open incidents</h2>
      <Problem error={incidents.error ?? open.error ?? close.error} />
      {incidents.data?.incidents.length === 0 && <p className="muted">None: drills may launch.</p>}
      <ul>
        {incidents.data?.incidents.map((i) => (
          <li key={i.id}>
            <strong>{i.title}</strong> ({i.team ?? 'every team'}) by {i.openedBy} since <Time at={i.openedAt} />{' '}
            {mayDeclare && (
              <button type="button" onClick={() => close.mutate(i.id)}>
                Close
              </button>
            )}
          </li>
        ))}
      </ul>
      {mayDeclare && (
        <form onSubmit={submit} aria-label="Declare an incident" className="stack">
          <label>
            What is happening <input name="title" required maxLength={500} />
          </label>
          <label>
            Team <input name="team" placeholder="every team" pattern="[a-z0-9][a-z0-9._-]*" />
          </label>
          <button type="submit">Declare an incident</button>
        </form>
      )}
    </section>
  );
}

/** "Is this a drill?": yes with whom to call, or no — never the scenario; every question is audited. */
export function AskPanel() {
  const mayAsk = useCan('drills.ask');
  const [answer, setAnswer] = useState<{ drill: boolean; facilitator?: string; team?: string } | undefined>();
  const ask = useMutation({
    mutationFn: (body: Record<string, string>) =>
      api<{ drill: boolean; facilitator?: string; team?: string }>('POST', '/is-this-a-drill', body),
    onSuccess: setAnswer,
  });
  if (!mayAsk) return null;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const body: Record<string, string> = {};
    for (const key of ['service', 'host', 'correlationId']) if (text(form, key)) body[key] = text(form, key);
    setAnswer(undefined);
    ask.mutate(body);
  };
  return (
    <section className="card" aria-labelledby="ask-title">
      <h2 id="ask-title">Is this a drill?</h2>
      <p className="muted">Before escalating: asked privately, logged in the audit. The answer never says the scenario.</p>
      <form onSubmit={submit} className="stack" aria-label="Is this a drill?">
        <label>
          Service <input name="service" />
        </label>
        <label>
          Host <input name="host" />
        </label>
        <label>
          Correlation id <input name="correlationId" />
        </label>
        <button type="submit">Ask</button>
      </form>
      <Problem error={ask.error} />
      {answer && (
        <p role="status" className={answer.drill ? 'answer yes' : 'answer no'}>
          {answer.drill
            ? `Yes: a drill of team ${answer.team ?? '?'}. Call ${answer.facilitator ?? 'the white cell'} before acting.`
            : 'No drill matches: treat it as real.'}
        </p>
      )}
    </section>
  );
}
