import type { StoredRun } from '../engine/events.js';
import { escapeHtml, escapeMarkdown } from './escape.js';
import { runFacts } from './facts.js';
import { formatDate } from './format.js';
import { badge, htmlPage, htmlTable } from './html-page.js';
import { runSectionHtml, sectionId } from './html-run.js';
import { mdTable } from './markdown-table.js';
import { runMarkdown } from './markdown.js';
import { SUMMARY_HEADERS, SUMMARY_LEGEND, SUMMARY_NUMERIC, matched, summaryCells, summaryLine } from './summary-table.js';
import type { DemoSummary } from './summary.js';
import { verdictTone } from './tone.js';

/**
 * The whole demo on one self-contained page: the summary table (each drill's verdict against
 * the one it is built to reach), then every run's own section with its charts.
 */
export function renderDemoHtml(summary: DemoSummary, runs: readonly StoredRun[]): string {
  const byId = new Map(runs.map((run) => [run.runId, run]));
  const rows = summary.drills.map((d) => {
    const cells = summaryCells(d, '—').map((cell) => escapeHtml(cell));
    const link = byId.has(d.runId) ? `<a href="#${sectionId(d.runId)}">${cells[0] ?? ''}</a>` : (cells[0] ?? '');
    return [
      `${link}<br><span class="muted">${escapeHtml(d.reason)}</span>`,
      escapeHtml(d.expected),
      badge(d.verdict, verdictTone(d.verdict)),
      matched(d) ? badge('✓ yes', 'ok') : badge('✗ no', 'bad'),
      ...cells.slice(4),
    ];
  });
  const allMatched = summary.drills.every(matched);
  const skipped =
    summary.skipped.length === 0
      ? ''
      : `<h3>Skipped</h3>\n<ul>${summary.skipped.map((s) => `<li>${escapeHtml(s.drill)}: ${escapeHtml(s.reason)}</li>`).join('')}</ul>`;
  const missing = summary.drills
    .filter((d) => !byId.has(d.runId))
    .map((d) => `<li>${escapeHtml(d.drill)}: run ${escapeHtml(d.runId)} (journal ${escapeHtml(d.journal)}) was not found</li>`);
  const body = `<h1>Firedrill demo</h1>
<div class="verdict tone-${allMatched ? 'ok' : 'bad'}" role="status">
<div class="word">${allMatched ? 'Every drill ended as expected' : 'Some drills did not end as expected'}</div>
<p class="meaning">${escapeHtml(summaryLine(summary))} Started ${escapeHtml(formatDate(summary.startedAt))}.</p>
</div>
<h2>Summary</h2>
${htmlTable([...SUMMARY_HEADERS], rows, [...SUMMARY_NUMERIC])}
<p class="muted">${escapeHtml(SUMMARY_LEGEND)}</p>
${skipped}
${missing.length ? `<ul class="muted">${missing.join('')}</ul>` : ''}
${summary.drills
  .flatMap((d) => {
    const run = byId.get(d.runId);
    return run ? [runSectionHtml(runFacts(run), 2, d.drill)] : [];
  })
  .join('\n')}`;
  return htmlPage('Firedrill demo', body);
}

/**
 * The demo's summary in Markdown; with `runs`, each run's report follows (as `renderMarkdown`,
 * one heading level down).
 */
export function renderDemoMarkdown(summary: DemoSummary, runs: readonly StoredRun[] = []): string {
  const byId = new Map(runs.map((run) => [run.runId, run]));
  const parts = [
    '# Firedrill demo',
    `${escapeMarkdown(summaryLine(summary))} Started ${escapeMarkdown(formatDate(summary.startedAt))}.`,
    mdTable(
      [...SUMMARY_HEADERS],
      summary.drills.map((d) => summaryCells(d, '—')),
      [...SUMMARY_NUMERIC],
    ),
    `_${escapeMarkdown(SUMMARY_LEGEND)}_`,
    [
      ...summary.drills.map((d) => `- ${escapeMarkdown(d.drill)} (${escapeMarkdown(d.runId)}): ${escapeMarkdown(d.reason)}`),
      ...summary.skipped.map((s) => `- skipped ${escapeMarkdown(s.drill)}: ${escapeMarkdown(s.reason)}`),
    ].join('\n'),
  ];
  for (const d of summary.drills) {
    const run = byId.get(d.runId);
    if (run) parts.push(runMarkdown(runFacts(run), 2));
  }
  return `${parts.join('\n\n')}\n`;
}
