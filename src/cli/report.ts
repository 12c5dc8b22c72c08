import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, errorMessage } from '../errors.js';
import { renderHtml } from '../report/html.js';
import { renderJunit } from '../report/junit.js';
import { renderMarkdown } from '../report/markdown.js';
import { readRun } from '../runs/run-directory.js';
import { EXIT } from './exit-codes.js';

export type ReportFormat = 'html' | 'md' | 'junit';
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'md', 'junit'];

export interface ReportOptions {
  readonly stateDir: string;
  readonly format: ReportFormat;
  /** A file, or `-` for stdout; by default the run's own directory. */
  readonly out?: string;
}

const DEFAULT_NAME: Record<ReportFormat, string> = { html: 'report.html', md: 'report.md', junit: 'junit.xml' };

/** `firedrill report RUN_ID`: renders a past run (finished or not) and prints where it went. */
export function reportCommand(runId: string, options: ReportOptions): Promise<number> {
  const run = readRun(options.stateDir, runId);
  const text =
    options.format === 'md' ? renderMarkdown(run) : options.format === 'junit' ? renderJunit([run], 'firedrill') : renderHtml(run);
  if (options.out === '-') {
    process.stdout.write(text);
    return Promise.resolve(EXIT.passed);
  }
  const path = options.out ?? join(run.dir, DEFAULT_NAME[options.format]);
  try {
    writeFileSync(path, text, { mode: 0o600 }); // like the run it reports on: the user's alone
  } catch (error) {
    throw new UserError('FD_REPORT_WRITE', `cannot write the report to ${path}: ${errorMessage(error)}`, { cause: error });
  }
  process.stdout.write(`${path}\n`);
  return Promise.resolve(EXIT.passed);
}
