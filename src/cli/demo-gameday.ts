import { relative } from 'node:path';
import { playGameDayDemo } from '../demo/gameday/play.js';
import type { GameDayDemoResult } from '../demo/gameday/play.js';
import type { Timing } from '../gamedays/measures.js';
import { formatDuration } from '../util/duration.js';
import { selfBin } from '../util/self.js';
import { demoControlPlane, interruptible } from './demo-people.js';
import { EXIT } from './exit-codes.js';

/**
 * `firedrill demo --gameday`: a villains' scenario against the shop, fought by a scripted
 * responder team through the API, measured; prints each step's times to detect, acknowledge,
 * contain and recover and writes the review. Exit 0 when the game day passed (every step's run
 * passed and met its expectations), 1 otherwise; Ctrl-C ends it (every fault reverted).
 */
export async function demoGameDayCommand(options: { stateDir: string; json?: boolean }): Promise<number> {
  const out = options.json ? process.stderr : process.stdout;
  out.write('Firedrill demo: a game day at the shop — villains wrote a secret incident, a (scripted) team fights it\n');
  const { result, interrupted } = await interruptible((signal) =>
    playGameDayDemo({
      stateDir: options.stateDir,
      bin: selfBin(),
      controlPlane: demoControlPlane(options.stateDir, out),
      signal,
      say: (line) => out.write(`${line}\n`),
    }),
  );
  if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else out.write(`\n${summary(result)}`);
  return result.verdict === 'passed' && !interrupted ? EXIT.passed : EXIT.finding;
}

function summary(result: GameDayDemoResult): string {
  const time = (t: Timing | undefined) => (t?.ms === undefined ? '—' : `${formatDuration(t.ms)}${t.onTarget === false ? ' (late)' : ''}`);
  const rows = result.steps.flatMap((step) =>
    step.teams.map((team) => [
      step.step,
      time(team.timings.detect),
      time(team.timings.acknowledge),
      time(team.timings.contain),
      step.brokenMs === undefined ? 'no user impact' : time(team.timings.recover),
      team.diagnosis ? (team.diagnosis.correct ? 'correct' : 'wrong') : '—',
      step.expectations.map((e) => `${e.name} ${e.status}`).join(', '),
    ]),
  );
  const headers = ['step', 'detect', 'acknowledge', 'contain', 'recover', 'diagnosis', 'expectations'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}\n`;
  const here = (file: string) => relative(process.cwd(), file) || file;
  const how = result.monitoring === 'prometheus' ? 'alerts from Prometheus through Alertmanager' : "the gateway's log (no Prometheus)";
  return (
    `The team's times, from each injection (detected by ${how}):\n` +
    line(headers) +
    rows.map(line).join('') +
    `\n${reverted(result)}\ngame day ${result.verdict}: ${result.reason}\n` +
    `review ${here(result.reports.html)}\n       ${here(result.reports.markdown)}, ${here(result.reports.measures)}\n`
  );
}

function reverted(result: GameDayDemoResult): string {
  const verified = result.faults.filter((f) => f.status === 'reverted' && f.verifiedAt !== undefined);
  const kinds = [...new Set(result.faults.map((f) => f.type))].join(', ');
  return verified.length === result.faults.length
    ? `every fault injected (${result.faults.length}: ${kinds}) was reverted and the revert verified`
    : `${result.faults.length - verified.length} of ${result.faults.length} faults not verified reverted: see the review`;
}
