import { relative } from 'node:path';
import { playIntrusionDemo } from '../demo/intrusion/play.js';
import type { IntrusionDemoResult } from '../demo/intrusion/play.js';
import type { CoverageReport, CoverageStatus } from '../coverage/coverage.js';
import type { ReconstructionScore } from '../gamedays/reconstruction.js';
import { formatDuration } from '../util/duration.js';
import { selfBin } from '../util/self.js';
import { demoControlPlane, interruptible } from './demo-people.js';
import { EXIT } from './exit-codes.js';

/**
 * `firedrill demo --intrusion`: the villains' intrusion on a namespace "host", fought by a
 * scripted security bot; prints each step's TTD and TTC, the attack's timeline and the cleanup
 * check, and writes the review. Exit 0 when what ran passed (or nothing could run: it says why),
 * 1 otherwise; Ctrl-C ends it (every fault reverted, the namespace removed).
 */
export async function demoIntrusionCommand(options: { stateDir: string; json?: boolean }): Promise<number> {
  const out = options.json ? process.stderr : process.stdout;
  out.write('Firedrill demo: an intrusion on a host — villains wrote it, a (scripted) security team fights it\n');
  const { result, interrupted } = await interruptible((signal) =>
    playIntrusionDemo({
      stateDir: options.stateDir,
      bin: selfBin(),
      controlPlane: demoControlPlane(options.stateDir, out),
      signal,
      say: (line) => out.write(`${line}\n`),
    }),
  );
  if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else out.write(`\n${summary(result)}`);
  const passed = result.verdict === 'passed' || result.verdict === 'skipped';
  return passed && !interrupted ? EXIT.passed : EXIT.finding;
}

function summary(result: IntrusionDemoResult): string {
  if (result.verdict === 'skipped') return `skipped: ${result.skipped.join('; ')}\n`;
  const ms = (value: number | undefined) => (value === undefined ? '—' : formatDuration(value));
  const steps = table(
    ['step', 'technique', 'TTD', 'TTC (measured)', 'contained by'],
    result.steps.map((s) => [
      s.step,
      `${s.attackId} ${s.technique}`,
      `${ms(s.ttd.ms)}${s.ttd.onTarget === false ? ' (late)' : ''}`,
      ms(s.ttc.ms),
      s.ttc.by ?? 'not contained',
    ]),
  );
  const attack = table(
    ['technique', 'ATT&CK', 'on', 'detonated', 'detected', 'contained'],
    result.timeline.map((t) => [
      t.technique,
      t.attackId,
      t.target,
      `+${ms(t.detonatedMs)}`,
      `+${ms(t.detectedMs)}`,
      `+${ms(t.containedMs)}`,
    ]),
  );
  const here = (file: string) => relative(process.cwd(), file) || file;
  const cleanup = result.cleanup.checks.map((c) => `  ${c.ok ? 'ok ' : 'NOT'} ${c.what}\n`).join('');
  return (
    `Times from each detonation (TTC measured by Firedrill through each technique's check on its host):\n${steps}\n` +
    `The attack's timeline (from the launch):\n${attack}\n` +
    reconstructionLine(result.reconstruction) +
    coverageMatrix(result.coverage) +
    `\nCleanup:\n${cleanup}${result.cleanup.clean ? 'clean' : 'NOT clean: see above'}\n` +
    `\ngame day ${result.verdict}: ${result.reason}\n` +
    (result.reports
      ? `review ${here(result.reports.html)}\n       ${here(result.reports.markdown)}, ${here(result.reports.measures)}\n`
      : '')
  );
}

const STATUS: Readonly<Record<CoverageStatus, string>> = {
  detected: 'detected',
  late: 'late',
  missed: 'MISSED',
  'not-measured': 'not measured',
  'never-tested': '·',
};

/**
 * The ATT&CK coverage matrix as a terminal shows it: one line per tactic (ATT&CK's order), each
 * technique under it with its status and median time to detect — what this drill (and every
 * earlier one the control plane holds) says the defenders would catch today.
 */
export function coverageMatrix(coverage: CoverageReport | undefined): string {
  if (!coverage) return 'ATT&CK coverage: not available\n';
  const ms = (value: number | null) => (value === null ? '' : ` ${formatDuration(value)}`);
  const rows = coverage.tactics.map((tactic) => [
    tactic,
    coverage.techniques
      .filter((t) => t.tactics.includes(tactic))
      .map((t) => `${t.techniqueId} ${STATUS[t.status]}${ms(t.medianTtdMs)}`)
      .join(', '),
  ]);
  return `ATT&CK coverage (${coverage.attack}; · never tested):\n${table(['tactic', 'techniques'], rows)}`;
}

function reconstructionLine(score: ReconstructionScore | undefined): string {
  if (!score) return 'Reconstruction: none filed\n';
  const percent = (n: number | undefined) => (n === undefined ? '—' : `${Math.round(n * 100)} %`);
  return (
    `Reconstruction (${score.team}, by ${score.by}): techniques precision ${percent(score.techniques.precision)}, ` +
    `recall ${percent(score.techniques.recall)}${score.techniques.missed.length ? ` (missed ${score.techniques.missed.join(', ')})` : ''}; ` +
    `entry point ${score.entryPoint.said ?? 'not said'}: ${score.entryPoint.right ? 'right' : 'wrong'}; ` +
    `hosts recall ${percent(score.hosts.recall)}\n`
  );
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()}\n`;
  return line(headers) + rows.map(line).join('');
}
