import { Problem } from '../ui/parts.js';
import type { LocatedProblem, Validation } from './use-validation.js';

/** `line 4, col 7: method[0].duration: expected a duration…` */
function describeProblem(problem: LocatedProblem): string {
  return problem.path ? `${problem.path}: ${problem.message}` : problem.message;
}

/**
 * What the last check said, under the editor, announced politely: valid (with the title), or each
 * problem at line:col — a button that puts the cursor there.
 */
export function ValidationStatus({
  id,
  validation,
  onReveal,
}: {
  id: string;
  validation: Validation;
  onReveal: (line: number, col: number) => void;
}) {
  const { checked, checking } = validation;
  return (
    <div id={id} className="validation" role="status" aria-live="polite">
      {!checked && <p className="muted">Checking…</p>}
      {checked?.state === 'valid' && (
        <p className="valid">
          <span aria-hidden="true">✓ </span>Valid: “{checked.title}”{checking && <span className="muted"> (checking again…)</span>}
        </p>
      )}
      {checked?.state === 'invalid' && (
        <>
          <p className="invalid">
            <span aria-hidden="true">✗ </span>
            {checked.problems.length === 1 ? '1 problem' : `${checked.problems.length} problems`}
            {checking && <span className="muted"> (checking again…)</span>}
          </p>
          <ul className="problems">
            {checked.problems.map((p, i) => (
              <li key={i}>
                <button type="button" className="link at" onClick={() => onReveal(p.line, p.col)}>
                  line {p.line}, col {p.col}
                </button>
                : {describeProblem(p)}
              </li>
            ))}
          </ul>
        </>
      )}
      {checked?.state === 'unchecked' && (
        <>
          <p className="muted">Could not check it{checking && ' (trying again…)'}:</p>
          <Problem error={checked.error} />
        </>
      )}
    </div>
  );
}
