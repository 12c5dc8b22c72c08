import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api.js';
import type { ExperimentInfo } from '../api.js';
import { Link, navigate } from '../router.js';
import { useCan } from '../session.js';
import { Loading, Problem, Time } from '../ui/parts.js';
import { DeleteExperiment, RunButtons } from './Actions.js';
import { History } from './History.js';
import { useValidation } from './use-validation.js';
import { ValidationStatus } from './ValidationStatus.js';
import type { YamlEditorHandle } from './YamlEditor.js';
import './experiments.css';

// CodeMirror is big: its own chunk, fetched once this page needs an editor.
const YamlEditor = lazy(() => import('./YamlEditor.js'));

const NAME_PATTERN = '[a-z0-9][a-z0-9._\\-]{0,99}';

/** What a new experiment starts from: a valid one, to be pointed at a real target. */
const STARTER = `title: Pause a process and see who notices
targets:
  app:
    kind: process
    selector: { name: my-service }
method:
  - name: pause
    fault: process-pause
    target: app
    duration: 5s
`;

interface Saved {
  readonly experiment: ExperimentInfo;
  readonly yaml: string;
}

/** One experiment (or a new one, `id` "new"): its YAML in an editor checked as it is typed, its actions and history. */
export default function ExperimentPage({ id }: { id: string }) {
  if (id === 'new') return <Workbench key="new" saved={undefined} />;
  return <SavedExperiment key={id} id={id} />;
}

function SavedExperiment({ id }: { id: string }) {
  const query = useQuery({
    queryKey: ['experiment', id],
    queryFn: ({ signal }) => api<Saved>('GET', `/experiments/${encodeURIComponent(id)}`, undefined, signal),
  });
  if (query.isPending) return <Loading what="the experiment" />;
  if (query.error) {
    return (
      <section aria-labelledby="experiment-title">
        <h1 id="experiment-title">Experiment</h1>
        <Problem error={query.error} />
        <Link to="/experiments">All experiments</Link>
      </section>
    );
  }
  return <Workbench saved={query.data} />;
}

function Workbench({ saved }: { saved: Saved | undefined }) {
  const canWrite = useCan('experiments.write');
  const canRun = useCan('runs.start');
  const ownSecrets = useCan('secrets.own');
  const canSecret = useCan('secrets.all') || ownSecrets;
  const [text, setText] = useState(saved?.yaml ?? STARTER);
  const [name, setName] = useState('');
  // As the API would decide: a villain's scenario is secret unless said otherwise.
  const [secret, setSecret] = useState(ownSecrets);
  const editor = useRef<YamlEditorHandle>(null);
  // The name only labels the problems (which the page shows without it): typing one asks nothing.
  const validation = useValidation(text, saved?.experiment.name ?? '', canWrite);
  const queryClient = useQueryClient();

  const save = useMutation({
    mutationFn: async (yaml: string) => {
      const answer = saved
        ? await api<{ experiment: ExperimentInfo }>('PUT', `/experiments/${encodeURIComponent(saved.experiment.id)}`, { yaml })
        : await api<{ experiment: ExperimentInfo }>('POST', '/experiments', { name, yaml, ...(canSecret && { secret }) });
      return answer.experiment;
    },
    onSuccess: (experiment, yaml) => {
      queryClient.setQueryData<Saved>(['experiment', experiment.id], { experiment, yaml });
      void queryClient.invalidateQueries({ queryKey: ['experiments'] });
      void queryClient.invalidateQueries({ queryKey: ['experiment-versions', experiment.id] });
      if (!saved) navigate(`/experiments/${encodeURIComponent(experiment.id)}`, { replace: true });
    },
  });

  if (!saved && !canWrite) {
    return (
      <section aria-labelledby="experiment-title">
        <h1 id="experiment-title">New experiment</h1>
        <p className="problem">Your role may read experiments, not write them.</p>
        <Link to="/experiments">All experiments</Link>
      </section>
    );
  }

  const unsaved = saved !== undefined && text !== saved.yaml;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    save.mutate(text);
  };
  return (
    <section aria-labelledby="experiment-title" className="experiment">
      <p className="crumbs">
        <Link to="/experiments">Experiments</Link>
        <span aria-hidden="true"> / </span>
      </p>
      <h1 id="experiment-title">
        {saved ? saved.experiment.title : 'New experiment'}
        {saved?.experiment.secret && <span className="tag secret">secret</span>}
      </h1>
      {saved && (
        <p className="muted">
          <code>{saved.experiment.name}</code> · version {saved.experiment.version} · changed <Time at={saved.experiment.updatedAt} /> ·
          created by {saved.experiment.createdBy}
        </p>
      )}
      {!canWrite && <p className="muted">Read only: your role may read this experiment, not change or run it.</p>}
      <form onSubmit={submit} aria-labelledby="experiment-title">
        {!saved && (
          <div className="fields">
            <label>
              Name
              <input
                name="name"
                required
                pattern={NAME_PATTERN}
                maxLength={100}
                value={name}
                onChange={(e) => setName(e.target.value)}
                aria-describedby="name-hint"
                spellCheck={false}
              />
            </label>
            <span id="name-hint" className="muted">
              lowercase letters, digits, dot, dash and underscore, e.g. <code>pause-checkout</code>
            </span>
            {canSecret && (
              <label>
                <input type="checkbox" checked={secret} onChange={(e) => setSecret(e.target.checked)} />
                Secret: only admins, facilitators and its author see it
              </label>
            )}
          </div>
        )}
        <p id="yaml-label" className="editor-label">
          Experiment YAML{!canWrite && <span className="muted"> (read only)</span>}
        </p>
        <Suspense fallback={<Loading what="the editor" />}>
          <YamlEditor
            ref={editor}
            initial={text}
            readOnly={!canWrite}
            label="Experiment YAML"
            describedBy={canWrite ? 'validation' : undefined}
            problems={validation.checked?.state === 'invalid' ? validation.checked.problems : []}
            problemsOf={validation.checked?.of}
            onChange={setText}
          />
        </Suspense>
        {canWrite && (
          <ValidationStatus id="validation" validation={validation} onReveal={(line, col) => editor.current?.reveal(line, col)} />
        )}
        {unsaved && canRun && (
          <p id="unsaved-note" className="muted">
            Unsaved changes: Dry run and Run use the saved version {saved.experiment.version}; save first.
          </p>
        )}
        {(canWrite || (saved && canRun)) && (
          <div className="buttons">
            {canWrite && (
              <button type="submit" className="primary" disabled={(saved && !unsaved) || save.isPending}>
                Save
              </button>
            )}
            {saved && canRun && <RunButtons experiment={saved.experiment} unsavedNote={unsaved ? 'unsaved-note' : undefined} />}
            {saved && canWrite && <DeleteExperiment experiment={saved.experiment} />}
          </div>
        )}
        <Problem error={save.error} />
      </form>
      {saved && <History id={saved.experiment.id} />}
    </section>
  );
}
