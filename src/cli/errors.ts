import { CommanderError } from 'commander';
import { FiredrillError, OperationalError, UserError, ValidationError, formatProblem, moreProblems } from '../errors.js';
import { EXIT } from './exit-codes.js';

/**
 * The CLI's one error boundary: bad input is shown as a message (every problem of a file, no
 * stack) with exit 2; anything else is an internal failure, exit 3, stack with FIREDRILL_DEBUG=1.
 */
export function reportError(error: unknown, stderr: NodeJS.WritableStream, redact: (text: string) => string = (t) => t): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help')
      return EXIT.passed;
    return EXIT.invalidInput;
  }
  if (error instanceof ValidationError) {
    for (const problem of error.problems) stderr.write(`${redact(formatProblem(problem))}\n`);
    const count = error.total;
    if (count > error.problems.length) stderr.write(`${moreProblems(count - error.problems.length)}\n`);
    stderr.write(`${count} problem${count === 1 ? '' : 's'} found; nothing was run\n`);
    return EXIT.invalidInput;
  }
  if (error instanceof UserError) {
    stderr.write(`firedrill: ${redact(error.message)}\n`);
    return EXIT.invalidInput;
  }
  if (error instanceof OperationalError) {
    stderr.write(`firedrill: ${redact(error.message)}\n`);
    return EXIT.toolFailure;
  }
  const code = error instanceof FiredrillError ? ` [${error.code}]` : '';
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`firedrill: internal error${code}: ${redact(message)}\n`);
  if (process.env.FIREDRILL_DEBUG && error instanceof Error && error.stack) stderr.write(`${redact(error.stack)}\n`);
  else stderr.write('(set FIREDRILL_DEBUG=1 for the stack trace)\n');
  return EXIT.toolFailure;
}
