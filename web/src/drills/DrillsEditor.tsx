import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useRef, useState } from 'react';
import { api } from '../api.js';
import { useValidation } from '../experiments/use-validation.js';
import type { Validate } from '../experiments/use-validation.js';
import { ValidationStatus } from '../experiments/ValidationStatus.js';
import type { YamlEditorHandle } from '../experiments/YamlEditor.js';
import { Loading, Problem } from '../ui/parts.js';
import '../experiments/experiments.css';

const YamlEditor = lazy(() => import('../experiments/YamlEditor.js'));

/** The server's own checks, storing nothing: the schedules, blackouts and the experiments each drill names. */
const validateDrills: Validate = async (yaml, _name, signal) => {
  const answer = await api<{ drills: string[] }>('POST', '/drills/apply', { yaml, file: 'drills.yaml', dryRun: true }, signal);
  return { title: `${answer.drills.length} drill(s)` };
};

/**
 * For the white cell: every drill and blackout as one drills file, edited with the same checks
 * as `firedrill drills apply` shown at line:col while typing, then applied.
 */
export function DrillsEditor() {
  const file = useQuery({
    queryKey: ['drills-file'],
    queryFn: ({ signal }) => api<{ yaml: string }>('GET', '/drills/file', undefined, signal),
    staleTime: Infinity,
  });
  if (file.isPending) return <Loading what="the drills file" />;
  if (file.error) return <Problem error={file.error} />;
  return <Editor initial={file.data.yaml} />;
}

function Editor({ initial }: { initial: string }) {
  const queries = useQueryClient();
  const [text, setText] = useState(initial);
  const editor = useRef<YamlEditorHandle>(null);
  const validation = useValidation(text, 'drills.yaml', true, validateDrills);
  const apply = useMutation({
    mutationFn: () =>
      api<{ applied: { name: string; created: boolean }[]; blackouts: number }>('POST', '/drills/apply', {
        yaml: text,
        file: 'drills.yaml',
      }),
    onSuccess: () => {
      void queries.invalidateQueries({ queryKey: ['drills'] });
      void queries.invalidateQueries({ queryKey: ['drill-calendar'] });
    },
  });
  return (
    <section className="card drills-editor" aria-labelledby="drills-editor-title">
      <h2 id="drills-editor-title">Edit drills (white cell)</h2>
      <p className="muted">
        The drills file of docs/drills.md. A drill is created or replaced by its name; a team&apos;s blackouts are replaced by those listed.
      </p>
      <Suspense fallback={<Loading what="the editor" />}>
        <YamlEditor
          ref={editor}
          initial={initial}
          readOnly={false}
          problems={validation.checked?.state === 'invalid' ? validation.checked.problems : []}
          problemsOf={validation.checked?.of}
          onChange={setText}
          label="Drills YAML"
          describedBy="drills-validation"
        />
      </Suspense>
      <ValidationStatus id="drills-validation" validation={validation} onReveal={(line, col) => editor.current?.reveal(line, col)} />
      <button
        type="button"
        className="primary"
        disabled={validation.checked?.state !== 'valid' || validation.checking || apply.isPending}
        onClick={() => apply.mutate()}
      >
        Apply
      </button>
      <Problem error={apply.error} />
      {apply.data && (
        <p role="status">
          {apply.data.applied.map((a) => `${a.created ? 'created' : 'updated'} ${a.name}`).join(', ') || 'no drill'}; {apply.data.blackouts}{' '}
          blackout(s) set.
        </p>
      )}
    </section>
  );
}
