import { useMutation, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useRef, useState } from 'react';
import { api, ApiError } from '../api.js';
import type { GameDayScenario } from '../api.js';
import type { Validation } from '../experiments/use-validation.js';
import { ValidationStatus } from '../experiments/ValidationStatus.js';
import type { YamlEditorHandle } from '../experiments/YamlEditor.js';
import { Link } from '../router.js';
import { Loading, Problem } from '../ui/parts.js';
import '../experiments/experiments.css';

const YamlEditor = lazy(() => import('../experiments/YamlEditor.js'));

const TEMPLATE = `# A game day (docs/gamedays.md). Its name, title and scenario stay secret to its
# villains and the white cell until it ends; teams and observers see its publicTitle.
name: thursday
title: What really happens
publicTitle: Thursday game day
teams:
  shop: [rita, sam]
observers: []
targets: { detect: 5m, acknowledge: 5m, contain: 15m, recover: 30m }
scenario:
  - name: first
    experiment: a-stored-experiment
    trigger: { manual: true }
`;

/**
 * For villains and the white cell: a game-day file, applied as \`POST /api/v1/gamedays/apply\`
 * (created or replaced by its name, unless it runs). The API has no dry run for game days, so
 * its problems are shown at line:col when Apply is refused, not while typing.
 */
export function GameDayEditor() {
  const queries = useQueryClient();
  const [text, setText] = useState(TEMPLATE);
  const editor = useRef<YamlEditorHandle>(null);
  const apply = useMutation({
    mutationFn: (yaml: string) =>
      api<{ gameday: GameDayScenario; created: boolean }>('POST', '/gamedays/apply', { yaml, file: 'gameday.yaml' }),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ['gamedays'] }),
  });
  const problems = apply.error instanceof ApiError ? apply.error.problems : [];
  const refused: Validation | undefined =
    problems.length > 0 && apply.variables !== undefined
      ? { checked: { state: 'invalid', of: apply.variables, problems }, checking: false }
      : undefined;
  return (
    <section className="card gameday-editor" aria-labelledby="gameday-editor-title">
      <h2 id="gameday-editor-title">Apply a game day</h2>
      <p className="muted">
        The game-day file of docs/gamedays.md; the experiments its steps name must be stored first. You are added to its villains unless you
        are of the white cell.
      </p>
      <Suspense fallback={<Loading what="the editor" />}>
        <YamlEditor
          ref={editor}
          initial={TEMPLATE}
          readOnly={false}
          problems={problems}
          problemsOf={apply.variables}
          onChange={setText}
          label="Game day YAML"
          describedBy="gameday-problems"
        />
      </Suspense>
      {refused ? (
        <ValidationStatus id="gameday-problems" validation={refused} onReveal={(line, col) => editor.current?.reveal(line, col)} />
      ) : (
        <div id="gameday-problems" />
      )}
      <button type="button" className="primary" disabled={apply.isPending || text.trim() === ''} onClick={() => apply.mutate(text)}>
        Apply
      </button>
      {!refused && <Problem error={apply.error} />}
      {apply.data && (
        <p role="status">
          {apply.data.created ? 'Created' : 'Updated'} {apply.data.gameday.name}:{' '}
          <Link to={`/gamedays/${apply.data.gameday.id}`}>open “{apply.data.gameday.title}”</Link>.
        </p>
      )}
    </section>
  );
}
