import type { StoredRun } from '../engine/events.js';
import { describeTarget } from '../engine/target.js';
import { formatDuration } from '../util/duration.js';
import { escapeMarkdown } from './escape.js';
import { expectationsMarkdown } from './expectations.js';
import type { Plain } from './escape.js';
import { offsetIn, runFacts } from './facts.js';
import type { RunFacts } from './facts.js';
import { VERDICT_LABEL, VERDICT_MEANING, formatDate, formatMs, formatOffset, formatPercent } from './format.js';
import { mdTable, orDash } from './markdown-table.js';
import { chartStats } from './stats.js';

/**
 * One run as a concise Markdown report (for a pull request, a wiki, a CI summary): the same facts
 * as the HTML report, in tables; the charts become the lowest availability and highest latency.
 */
export function renderMarkdown(run: StoredRun): string {
  return `${runMarkdown(runFacts(run), 1)}\n`;
}

/** `level` is the heading level of the run's title (2 inside the demo report). */
export function runMarkdown(facts: RunFacts, level: 1 | 2 = 1): string {
  const h = (n: number, text: string) => `${'#'.repeat(Math.min(n + level - 1, 6))} ${escapeMarkdown(text)}`;
  const at = (iso: string | undefined) => {
    const offset = offsetIn(facts, iso);
    return offset === undefined ? '—' : formatOffset(offset);
  };
  const journal = facts.journal;
  const parts = [
    h(1, facts.title),
    `**${VERDICT_LABEL[facts.verdict].toUpperCase()}**${facts.dryRun ? ' (dry run)' : ''} — ${escapeMarkdown(VERDICT_MEANING[facts.verdict])}`,
    `> ${escapeMarkdown(facts.reason)}`,
    mdTable(
      ['', ''],
      [
        ['Run', facts.runId],
        ['Experiment file', orDash(facts.file)],
        ['Started', formatDate(facts.startedAt)],
        ['Ended', formatDate(facts.endedAt)],
        ['Duration', facts.durationMs === undefined ? '—' : formatDuration(facts.durationMs)],
        ['Seed', facts.seed ?? '—'],
        ['Journal', `${facts.dir}/journal.json`],
      ],
    ),
    h(2, 'Availability and latency'),
  ];
  const stats = chartStats(facts.chart);
  parts.push(
    stats.length === 0
      ? 'No availability probe ran during the method.'
      : mdTable(
          ['probe', 'readings', 'lowest availability', 'at', 'highest p99', 'at', 'highest p50'],
          stats.map((s) => [
            s.probe,
            s.readings,
            formatPercent(s.lowestRate),
            s.lowestRateAt === undefined ? '—' : formatOffset(s.lowestRateAt),
            formatMs(s.highestP99),
            s.highestP99At === undefined ? '—' : formatOffset(s.highestP99At),
            formatMs(s.highestP50),
          ]),
          [1, 2, 4, 6],
        ),
  );
  const windows = facts.chart.faults.map((f) => `${f.label} ${formatOffset(f.from)} → ${formatOffset(f.to)}`);
  if (windows.length > 0) parts.push(`Fault windows: ${escapeMarkdown(windows.join('; '))}.`);
  parts.push(
    h(2, 'Timeline'),
    facts.timeline.length === 0
      ? 'No events were recorded.'
      : mdTable(
          ['time', 'event', 'detail'],
          facts.timeline.map((t) => [formatOffset(t.offset), t.text, t.detail ?? '']),
        ),
  );
  if (!journal) return parts.join('\n\n');

  const { before, during, after } = journal.hypothesis;
  const rows: Plain[][] = [];
  for (const [phase, check] of [
    ['before', before],
    ['after', after],
  ] as const) {
    for (const r of check?.results ?? [])
      rows.push([phase, r.name, r.met ? 'met' : 'NOT MET', `${r.detail}${r.error ? ` (${r.error})` : ''}`]);
    if (phase === 'before' && during) {
      for (const [name, p] of Object.entries(during.probes)) {
        const first = p.firstFailure ? `; first at ${at(p.firstFailure.at)}: ${p.firstFailure.detail}` : '';
        rows.push(['during', name, p.failures === 0 ? 'met' : 'NOT MET', `${p.failures} of ${p.checks} checks not met${first}`]);
      }
    }
  }
  parts.push(
    h(2, 'Hypothesis'),
    rows.length === 0 ? 'This experiment has no steady-state hypothesis.' : mdTable(['phase', 'probe', 'result', 'detail'], rows),
  );
  parts.push(
    h(2, 'Faults'),
    journal.faults.length === 0
      ? 'No fault was injected.'
      : mdTable(
          ['step', 'type', 'target', 'status', 'injected', 'reverted', 'inject', 'verification'],
          journal.faults.map((f) => [
            `${f.step} (${f.faultId})`,
            f.type,
            describeTarget(f.target),
            f.status,
            at(f.injectedAt),
            at(f.revertedAt),
            formatMs(f.injectMs),
            f.verification ? `${f.verification.ok ? 'verified' : 'NOT VERIFIED'}: ${f.verification.detail}` : (f.error ?? '—'),
          ]),
        ),
  );
  if (journal.guardrails.length > 0 || journal.abort) {
    parts.push(h(2, 'Guardrails and abort'));
    if (journal.guardrails.length > 0) {
      parts.push(
        mdTable(
          ['guardrail', 'condition', 'samples', 'result', 'measured'],
          journal.guardrails.map((g) => [
            g.name,
            g.condition,
            g.samples,
            g.tripped ? `tripped at ${at(g.trippedAt)}` : 'held',
            g.measured ?? '—',
          ]),
          [2],
        ),
      );
    }
    const abort = journal.abort;
    if (abort)
      parts.push(
        `Aborted at ${at(abort.observedAt)}: ${escapeMarkdown(abort.reason)}; ` +
          `${abort.latencyMs === undefined ? 'not every fault was reverted' : `every fault reverted ${formatMs(abort.latencyMs)} later`}.`,
      );
  }
  if (journal.expectations?.length) parts.push(h(2, 'Expectations'), expectationsMarkdown(journal.expectations));
  parts.push(
    h(2, 'Findings'),
    journal.findings.length === 0
      ? 'Nothing to report: every check held.'
      : journal.findings.map((f) => `- ${escapeMarkdown(f)}`).join('\n'),
  );
  return parts.join('\n\n');
}
