import pc from 'picocolors';
import { listRuns } from '../runs/run-directory.js';
import { formatDuration } from '../util/duration.js';
import { UserError } from '../errors.js';
import { EXIT } from './exit-codes.js';
import { verdictText } from '../report/terminal-lines.js';

export interface RunsOptions {
  readonly stateDir: string;
  readonly json?: boolean;
  readonly limit?: string;
}

export function runsCommand(options: RunsOptions): Promise<number> {
  const limit = parseLimit(options.limit);
  const runs = listRuns(options.stateDir).slice(-limit).reverse();
  if (options.json) {
    process.stdout.write(`${JSON.stringify(runs.map(({ dir: _dir, ...run }) => run))}\n`);
    return Promise.resolve(EXIT.passed);
  }
  if (runs.length === 0) {
    process.stdout.write(`no runs yet in ${options.stateDir} — start one with \`firedrill run FILE\`\n`);
    return Promise.resolve(EXIT.passed);
  }
  const c = pc.createColors(Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env));
  for (const run of runs) {
    const verdict = run.verdict ? verdictText(run.verdict, c) : c.red('INCOMPLETE');
    const took = run.durationMs === undefined ? '' : c.dim(` ${formatDuration(run.durationMs)}`);
    process.stdout.write(`${run.runId}  ${verdict}${run.dryRun ? c.dim(' (dry run)') : ''}  ${run.title}${took}\n`);
  }
  return Promise.resolve(EXIT.passed);
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return 20;
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1)
    throw new UserError('FD_BAD_LIMIT', `--limit expects a whole number of at least 1, got "${text}"`);
  return Number(text);
}
