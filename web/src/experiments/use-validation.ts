// The editor's text checked by the API while it is typed: the same loader as `firedrill validate`,
// asked once the typing pauses. An answer is kept with the text it is about, so that an answer to
// an older text is never shown as the answer to the current one.
import { useEffect, useState } from 'react';
import { api, ApiError } from '../api.js';

/** Where and what, as the API says it (1-based line and column). */
export interface LocatedProblem {
  readonly line: number;
  readonly col: number;
  /** The field path, e.g. `method[0].duration`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

/** The last answer, and the text it is about. */
export type Checked =
  | { readonly state: 'valid'; readonly of: string; readonly title: string }
  | { readonly state: 'invalid'; readonly of: string; readonly problems: readonly LocatedProblem[] }
  | { readonly state: 'unchecked'; readonly of: string; readonly error: unknown };

export interface Validation {
  readonly checked: Checked | undefined;
  /** The text has changed since the last answer: a new one is on its way. */
  readonly checking: boolean;
}

/** How long the typing must pause before the text is sent. */
export const VALIDATE_AFTER_MS = 400;

/** Asks the API about a text: resolves with what to call it when valid, rejects with the refusal (problems at line:col). */
export type Validate = (yaml: string, name: string, signal: AbortSignal) => Promise<{ title: string }>;

/** An experiment, with the CLI's rules. */
export const validateExperiment: Validate = (yaml, name, signal) =>
  api<{ valid: true; title: string }>('POST', '/experiments/validate', { yaml, ...(name && { name }) }, signal);

/** Validates `yaml` (as file `name`) through the API, debounced; nothing is sent unless `enabled`. */
export function useValidation(yaml: string, name: string, enabled: boolean, validate: Validate = validateExperiment): Validation {
  const [checked, setChecked] = useState<Checked>();
  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      if (yaml === '') {
        setChecked({ state: 'invalid', of: yaml, problems: [{ line: 1, col: 1, path: '', message: 'the text is empty' }] });
        return;
      }
      const answered = (next: Checked) => {
        if (!controller.signal.aborted) setChecked(next);
      };
      void validate(yaml, name, controller.signal).then(
        (answer) => answered({ state: 'valid', of: yaml, title: answer.title }),
        (error: unknown) => answered(refusal(yaml, error)),
      );
    }, VALIDATE_AFTER_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [yaml, name, enabled, validate]);
  return { checked, checking: enabled && checked?.of !== yaml };
}

function refusal(yaml: string, error: unknown): Checked {
  if (error instanceof ApiError && error.status === 400 && error.problems.length > 0) {
    return { state: 'invalid', of: yaml, problems: error.problems };
  }
  return { state: 'unchecked', of: yaml, error };
}
