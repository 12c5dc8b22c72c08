import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { api } from '../api.js';
import type { GameDayView } from '../api.js';
import { Problem } from '../ui/parts.js';
import type { Technique } from './use-gameday.js';

interface FindingBody {
  readonly team?: string;
  readonly techniques: string[];
  readonly entryPoint?: string;
  readonly hosts: string[];
  readonly detail?: string;
}

/**
 * A team's reconstruction of an intrusion: the techniques it believes were used (picked from
 * every technique Firedrill knows — the same list whatever the scenario), the way in, the hosts
 * touched. The last one filed counts; the review scores it once the day is revealed.
 */
export function Reconstruction({ view, team, techniques }: { view: GameDayView; team: string; techniques: readonly Technique[] }) {
  const queries = useQueryClient();
  const file = useMutation({
    mutationFn: (body: FindingBody) => api<{ finding: { team: string } }>('POST', `/gamedays/${view.id}/findings`, body),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ['gameday'] }),
  });
  const last = view.findings.filter((f) => f.team === team).at(-1);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => {
      const value = form.get(name);
      return typeof value === 'string' ? value.trim() : '';
    };
    const hosts = text('hosts')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    const entryPoint = text('entryPoint');
    const detail = text('detail');
    file.mutate({
      ...(view.you.as === 'team' && view.you.teams.length > 1 && { team }),
      techniques: form.getAll('technique').flatMap((v) => (typeof v === 'string' ? [v] : [])),
      hosts,
      ...(entryPoint && { entryPoint }),
      ...(detail && { detail }),
    });
  };
  return (
    <form className="stack reconstruction" onSubmit={submit} aria-labelledby="reconstruction-title">
      <h3 id="reconstruction-title">Reconstruction</h3>
      <p className="muted">If this was an intrusion: what the intruder did, how they got in, where. Your last one counts.</p>
      <fieldset className="technique-picks">
        <legend>Techniques you believe were used</legend>
        {techniques.map((t) => (
          <label key={t.id}>
            <input type="checkbox" name="technique" value={t.id} defaultChecked={last?.techniques?.includes(t.id)} /> {t.id} {t.name}
            {t.tactics.length > 0 && <span className="muted"> · {t.tactics.join(', ')}</span>}
          </label>
        ))}
      </fieldset>
      <label>
        Entry point{' '}
        <input name="entryPoint" maxLength={200} list="entry-points" placeholder="an ATT&CK id, or words" defaultValue={last?.entryPoint} />
      </label>
      <datalist id="entry-points">
        {techniques.map((t) => (
          <option key={t.id} value={t.id} label={t.name} />
        ))}
      </datalist>
      <label>
        Hosts touched <input name="hosts" maxLength={2000} placeholder="web-1, db-1" defaultValue={last?.hosts?.join(', ')} />
      </label>
      <label>
        Notes <input name="detail" maxLength={2000} />
      </label>
      <button type="submit" disabled={file.isPending}>
        File the reconstruction
      </button>
      <Problem error={file.error} />
      {last && (
        <p role="status">
          Filed by {last.by}: {last.techniques?.join(', ') || 'no technique'}
          {last.entryPoint ? `, entry ${last.entryPoint}` : ''}
          {last.hosts?.length ? `, on ${last.hosts.join(', ')}` : ''}.
        </p>
      )}
    </form>
  );
}
