import type { StoredRun } from '../engine/events.js';
import { escapeXml } from './escape.js';
import { runFacts } from './facts.js';
import type { RunFacts } from './facts.js';
import { VERDICT_MEANING } from './format.js';

/**
 * Runs as JUnit XML, so that CI systems show drills as tests: one testcase per run (name = the
 * experiment's title, classname = its file). `passed` passes; `deviated`, `not-steady` and
 * `aborted` are failures (the drill found something); `failed` and an incomplete run are
 * errors (Firedrill could not do its job). Findings go to system-out.
 *
 * @example writeFileSync('junit.xml', renderJunit([readRun('.firedrill', id)], 'firedrill'))
 */
export function renderJunit(runs: readonly StoredRun[], suiteName = 'firedrill'): string {
  const cases = runs.map(runFacts);
  const failures = cases.filter((c) => outcome(c) === 'failure').length;
  const errors = cases.filter((c) => outcome(c) === 'error').length;
  const time = seconds(cases.reduce((sum, c) => sum + (c.durationMs ?? 0), 0));
  const timestamp = cases
    .map((c) => c.startedAt)
    .filter((at): at is string => at !== undefined)
    .sort()[0];
  const counts = `tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0" time="${time}"`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="${escapeXml(suiteName)}" ${counts}>
  <testsuite name="${escapeXml(suiteName)}" ${counts}${timestamp ? ` timestamp="${escapeXml(timestamp.replace(/Z$/, ''))}"` : ''}>
${cases.map(testcase).join('\n')}
  </testsuite>
</testsuites>
`;
}

function outcome(facts: RunFacts): 'pass' | 'failure' | 'error' {
  if (facts.verdict === 'passed') return 'pass';
  if (facts.verdict === 'failed' || facts.verdict === 'incomplete') return 'error';
  return 'failure';
}

function testcase(facts: RunFacts): string {
  const properties = [
    ['runId', facts.runId],
    ['verdict', facts.verdict],
    ['seed', facts.seed === undefined ? '' : String(facts.seed)],
    ['journal', `${facts.dir}/journal.json`],
  ]
    .map(([name, value]) => `        <property name="${escapeXml(name)}" value="${escapeXml(value)}"/>`)
    .join('\n');
  const kind = outcome(facts);
  const body = `${VERDICT_MEANING[facts.verdict]}\n${facts.reason}`;
  const problem =
    kind === 'pass'
      ? ''
      : `\n      <${kind} message="${escapeXml(facts.reason)}" type="${escapeXml(facts.verdict)}">${escapeXml(body)}</${kind}>`;
  const findings = facts.journal?.findings ?? [];
  const out = findings.length === 0 ? '' : `\n      <system-out>${escapeXml(findings.map((f) => `finding: ${f}`).join('\n'))}</system-out>`;
  return `    <testcase name="${escapeXml(facts.title)}" classname="${escapeXml(facts.file || facts.runId)}" time="${seconds(facts.durationMs ?? 0)}">
      <properties>
${properties}
      </properties>${problem}${out}
    </testcase>`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}
