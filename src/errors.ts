/**
 * A small tree of named errors with stable codes.
 *
 *   FiredrillError (code, cause)
 *   ├── UserError         bad input: shown without a stack, exit 2
 *   │   └── ValidationError   every problem of a file, each with file:line:col
 *   ├── OperationalError  halted, an agent unreachable: shown without a stack, exit 3
 *   └── (anything else)   an internal failure: exit 3, stack with FIREDRILL_DEBUG=1
 */
export class FiredrillError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class UserError extends FiredrillError {}

/**
 * Firedrill cannot do its job for a reason outside it (halted, an agent unreachable): shown as
 * a message without a stack, exit 3.
 */
export class OperationalError extends FiredrillError {}

/** One thing wrong with an input file, located as precisely as the file allows. */
export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Field path in the document, e.g. `method[2].params.signal`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

/** A file with more problems than this is far from valid: the rest are counted, not listed. */
export const MAX_REPORTED_PROBLEMS = 200;

export class ValidationError extends UserError {
  /** The first MAX_REPORTED_PROBLEMS problems. */
  readonly problems: readonly Problem[];
  /** How many problems were found in all; more than `problems.length` when the list was cut. */
  readonly total: number;

  constructor(problems: readonly Problem[]) {
    const shown = problems.slice(0, MAX_REPORTED_PROBLEMS);
    const more = problems.length - shown.length;
    super('FD_INVALID_INPUT', [...shown.map(formatProblem), ...(more > 0 ? [moreProblems(more)] : [])].join('\n'));
    this.problems = shown;
    this.total = problems.length;
  }
}

/** `and 3 more problems` */
export function moreProblems(count: number): string {
  return `and ${count} more problem${count === 1 ? '' : 's'}`;
}

export function formatProblem(problem: Problem): string {
  const where = `${problem.file}:${problem.line}:${problem.col}`;
  return problem.path ? `${where} ${problem.path}: ${problem.message}` : `${where} ${problem.message}`;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
