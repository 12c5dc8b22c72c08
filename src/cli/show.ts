import { join } from 'node:path';
import pc from 'picocolors';
import type { Journal } from '../engine/journal.js';
import { describeTarget } from '../engine/target.js';
import { readRun } from '../runs/run-directory.js';
import { formatDuration } from '../util/duration.js';
import { EXIT } from './exit-codes.js';
import { eventLines, verdictText } from '../report/terminal-lines.js';
import type { Colors } from '../report/terminal-lines.js';

export interface ShowOptions {
  readonly stateDir: string;
  readonly json?: boolean;
}

export function showCommand(runId: string, options: ShowOptions): Promise<number> {
  const run = readRun(options.stateDir, runId);
  const c = pc.createColors(Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env));
  if (options.json) {
    process.stdout.write(`${JSON.stringify(run.journal ?? { runId: run.runId, incomplete: true, events: run.events }, null, 2)}\n`);
  } else if (run.journal) {
    process.stdout.write(`${describeJournal(run.journal, c).join('\n')}\njournal ${join(run.dir, 'journal.json')}\n`);
  } else {
    // The run never finished: its events are all there is. Replay them as they were printed.
    const lines = run.events.flatMap((event) => eventLines(event, c));
    process.stdout.write(`${lines.join('\n')}\n${c.red('INCOMPLETE')}: this run stopped before writing its journal.\n`);
    process.stdout.write('Faults it injected may still be active: run `firedrill recover` to revert them.\n');
  }
  return Promise.resolve(EXIT.passed);
}

function describeJournal(journal: Journal, c: Colors): string[] {
  const lines = [
    `${c.bold(journal.experiment.title)}  ${verdictText(journal.verdict, c)}${journal.dryRun ? c.dim(' (dry run)') : ''}`,
    `run      ${journal.runId}  ${c.dim(`${journal.startedAt}, ${formatDuration(journal.durationMs)}, seed ${journal.seed}`)}`,
    `file     ${journal.experiment.file}`,
    `reason   ${journal.reason}`,
  ];
  for (const [name, targets] of Object.entries(journal.targets))
    lines.push(`target   ${name}: ${targets.map(describeTarget).join(', ') || 'none'}`);
  let phase = '';
  for (const entry of journal.activities) {
    if (entry.activity.phase !== phase) {
      phase = entry.activity.phase;
      lines.push(c.bold(phase.replace('-', ' ')));
    }
    const detail =
      entry.output && typeof entry.output === 'object' && typeof (entry.output as { detail?: unknown }).detail === 'string'
        ? (entry.output as { detail: string }).detail
        : (entry.error ?? '');
    lines.push(
      `  ${entry.status.padEnd(9)} ${entry.activity.name} ${c.dim(entry.activity.type ?? entry.activity.kind)} ${detail} ${c.dim(formatDuration(entry.durationMs))}`,
    );
  }
  const during = journal.hypothesis.during;
  if (during)
    lines.push(`during   ${during.checks} hypothesis checks every ${formatDuration(during.interval)}, ${during.failedChecks} not met`);
  if (journal.faults.length > 0) lines.push(c.bold('faults'));
  for (const fault of journal.faults) {
    const inject = fault.injectMs === undefined ? '' : ` in ${fault.injectMs}ms`;
    lines.push(
      `  ${fault.faultId} ${fault.type} on ${describeTarget(fault.target)}: ${fault.status}${inject}; ${fault.verification?.detail ?? fault.error ?? ''}`,
    );
  }
  for (const guardrail of journal.guardrails) {
    lines.push(
      `guardrail ${guardrail.name} (${guardrail.condition}): ${guardrail.tripped ? c.red(`tripped at ${guardrail.trippedAt ?? '?'}`) : 'held'}, ${guardrail.samples} samples`,
    );
  }
  if (journal.abort)
    lines.push(
      `abort    ${journal.abort.reason}${journal.abort.latencyMs !== undefined ? `; every fault reverted in ${journal.abort.latencyMs}ms` : ''}`,
    );
  if (journal.findings.length > 1) for (const finding of journal.findings) lines.push(`finding  ${finding}`);
  return lines;
}
