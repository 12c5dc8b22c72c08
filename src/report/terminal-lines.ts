import type pc from 'picocolors';
import type { RunEvent } from '../engine/events.js';
import type { ActivityStatus, Verdict } from '../engine/journal.js';
import { describeTarget } from '../engine/target.js';
import type { ProbeOutput } from '../engine/probe.js';
import { formatDuration } from '../util/duration.js';

export type Colors = ReturnType<typeof pc.createColors>;

/**
 * Turns run events into the lines a person reads, the same in a terminal and in a CI log.
 * Returns no line for events that only feed the live footer (monitor readings, passing checks).
 */
export function eventLines(event: RunEvent, c: Colors): string[] {
  switch (event.type) {
    case 'run-started':
      return [
        `${c.bold('firedrill')} ${event.dryRun ? c.yellow('dry run') : 'run'} ${event.runId}  ${c.bold(event.title)}  ${c.dim(`seed ${event.seed}`)}`,
      ];
    case 'targets-resolved': {
      const sets = Object.entries(event.targets);
      if (sets.length === 0) return [];
      return sets.map(
        ([name, targets]) =>
          `${c.dim('target')}  ${name}: ${targets.length === 0 ? c.yellow('none') : targets.map(describeTarget).join(', ')}`,
      );
    }
    case 'phase-started':
      return [c.bold(PHASES[event.phase])];
    case 'activity-started':
      return [];
    case 'activity-ended': {
      const { entry } = event;
      const took = entry.durationMs >= 1 ? c.dim(` ${formatDuration(entry.durationMs)}`) : '';
      const detail = activityDetail(entry.output, entry.error);
      const kind = entry.activity.type ? `${entry.activity.type} ` : entry.activity.kind === 'wait' ? 'wait ' : '';
      return [`  ${statusMark(entry.status, c)} ${entry.activity.name} ${c.dim(kind)}${detail ? `${detail}` : ''}${took}`];
    }
    case 'fault-injected':
      return [`    ${c.red('⚡')} ${event.faultType} on ${describeTarget(event.target)} ${c.dim(`(${event.faultId})`)}`];
    case 'fault-contained':
      return [`    ${c.green('⛨')} contained ${event.faultId} (${event.faultType}): ${event.detail}`];
    case 'fault-reverted':
      return [`    ${event.verification.ok ? c.green('↺') : c.red('✗')} reverted ${event.faultId}: ${event.verification.detail}`];
    case 'hypothesis-checked':
      if (event.phase !== 'method' || event.met) return [];
      return event.results.filter((r) => !r.met).map((r) => `    ${c.yellow('!')} ${r.name} not met: ${r.detail}`);
    case 'monitor-reading':
      return [];
    case 'hypothesis-during-summary': {
      const mark = event.failedChecks === 0 ? c.green('✓') : c.yellow('!');
      const result = event.failedChecks === 0 ? 'all met' : `${event.failedChecks} not met`;
      return [
        `  ${mark} hypothesis during the method: ${event.checks} check${event.checks === 1 ? '' : 's'} every ${formatDuration(event.interval)}, ${result}`,
      ];
    }
    case 'guardrail-tripped':
      return [`  ${c.red('■')} guardrail ${event.name} tripped: ${event.condition}`];
    case 'expectation-settled': {
      const { expectation: e } = event;
      const mark = e.status === 'met' ? c.green('✓') : e.status === 'late' ? c.yellow('!') : c.red('✗');
      return [`  ${mark} expectation ${e.name} ${e.status}: ${e.detail}`];
    }
    case 'run-aborting':
      return [`  ${c.red('■')} aborting: ${event.reason}`];
    case 'faults-reverted-after-abort':
      return [`    every fault reverted ${formatDuration(event.latencyMs)} after the abort`];
    case 'run-ended':
      return [`${c.bold('verdict')} ${verdictText(event.verdict, c)} ${event.reason}`];
  }
}

const PHASES = {
  'hypothesis-before': 'hypothesis before',
  method: 'method',
  'hypothesis-after': 'hypothesis after',
  rollbacks: 'rollbacks',
} as const;

export function verdictText(verdict: Verdict, c: Colors): string {
  const text = verdict.toUpperCase();
  if (verdict === 'passed') return c.green(c.bold(text));
  if (verdict === 'failed') return c.red(c.bold(text));
  return c.yellow(c.bold(text));
}

function statusMark(status: ActivityStatus, c: Colors): string {
  switch (status) {
    case 'succeeded':
      return c.green('✓');
    case 'failed':
      return c.red('✗');
    case 'deviated':
      return c.yellow('!');
    case 'aborted':
      return c.red('■');
    case 'skipped':
      return c.dim('-');
  }
}

function activityDetail(output: unknown, error: string | undefined): string {
  if (output && typeof output === 'object') {
    const record = output as Record<string, unknown>;
    if (typeof record.detail === 'string') return record.detail;
    if (typeof record.reason === 'string') return record.reason;
  }
  return error ?? '';
}

/** `home 99.9% ok, p99 12ms (230 samples)` for the live availability line. */
export function readingText(name: string, reading: ProbeOutput): string {
  const rate = typeof reading.successRate === 'number' ? `${(reading.successRate * 100).toFixed(2)}%` : 'no data';
  const p99 = typeof reading.p99 === 'number' ? `, p99 ${Math.round(reading.p99)}ms` : '';
  const samples = typeof reading.samples === 'number' ? ` (${reading.samples} samples)` : '';
  return `${name} ${rate} ok${p99}${samples}`;
}
