import { formatDuration } from '../util/duration.js';
import { escapeHtml, jsonForScript } from './escape.js';
import type { RunFacts } from './facts.js';
import { VERDICT_LABEL, VERDICT_MEANING, formatDate, formatOffset } from './format.js';
import { expectationsHtml } from './expectations.js';
import { attackHtml, attackRows } from './attack.js';
import { hypothesisHtml, faultsHtml, guardrailsHtml, findingsHtml } from './html-tables.js';
import { verdictTone } from './tone.js';

/** The id every element of one run's section starts with (a run id, made safe for HTML ids). */
export function sectionId(runId: string): string {
  return `run-${runId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/**
 * One run as HTML: verdict first, in plain words, then the charts, the timeline, the hypothesis,
 * the faults, the guardrails and the findings. `level` is the heading level of the run's title
 * (1 in a run's own report, 2 inside the demo report); `kicker` is a line above it (the drill's name).
 */
export function runSectionHtml(facts: RunFacts, level: 1 | 2 = 1, kicker?: string): string {
  const id = sectionId(facts.runId);
  const h = (n: number, text: string) => `<h${Math.min(n + level - 1, 6)}>${escapeHtml(text)}</h${Math.min(n + level - 1, 6)}>`;
  return `<section class="run" id="${id}">
${kicker ? `<p class="kicker">${escapeHtml(kicker)}</p>` : ''}
${h(1, facts.title)}
${verdictHtml(facts)}
${factsHtml(facts)}
${h(2, 'Availability and latency')}
${chartsHtml(facts, id, (text) => h(3, text))}
${h(2, 'Timeline')}
${timelineHtml(facts)}
${facts.journal ? `${h(2, 'Hypothesis')}\n${hypothesisHtml(facts, (text) => h(3, text))}` : ''}
${facts.journal ? `${h(2, 'Faults')}\n${faultsHtml(facts)}` : ''}
${facts.journal && (facts.journal.guardrails.length > 0 || facts.journal.abort) ? `${h(2, 'Guardrails and abort')}\n${guardrailsHtml(facts)}` : ''}
${facts.journal?.expectations?.length ? `${h(2, 'Expectations')}\n${expectationsHtml(facts.journal.expectations)}` : ''}
${facts.journal && attackRows(facts.journal).length > 0 ? `${h(2, 'ATT&CK')}\n${attackHtml(facts.journal)}` : ''}
${facts.journal ? `${h(2, 'Findings')}\n${findingsHtml(facts)}` : ''}
</section>`;
}

function verdictHtml(facts: RunFacts): string {
  return `<div class="verdict tone-${verdictTone(facts.verdict)}" role="status">
<div class="word" data-verdict="${escapeHtml(facts.verdict)}">${escapeHtml(VERDICT_LABEL[facts.verdict])}${facts.dryRun ? ' <span class="muted">(dry run)</span>' : ''}</div>
<p class="meaning">${escapeHtml(VERDICT_MEANING[facts.verdict])}</p>
<p class="reason">${escapeHtml(facts.reason)}</p>
</div>`;
}

function factsHtml(facts: RunFacts): string {
  const journal = facts.journal;
  const rows: [string, string][] = [
    ['Run', facts.runId],
    ['Experiment file', facts.file || '—'],
    ['Started', formatDate(facts.startedAt)],
    ['Ended', formatDate(facts.endedAt)],
    ['Duration', facts.durationMs === undefined ? '—' : formatDuration(facts.durationMs)],
    ['Seed', facts.seed === undefined ? '—' : String(facts.seed)],
    ['Journal', `${facts.dir}/journal.json`],
  ];
  if (journal?.experiment.description) rows.push(['Description', journal.experiment.description]);
  if (journal && journal.experiment.tags.length > 0) rows.push(['Tags', journal.experiment.tags.join(', ')]);
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

function chartsHtml(facts: RunFacts, id: string, heading: (text: string) => string): string {
  const { chart } = facts;
  const windows = chart.faults.map((f) => `${escapeHtml(f.label)} ${formatOffset(f.from)} → ${formatOffset(f.to)}`);
  const marks = chart.markers.map((m) => `${escapeHtml(m.label)} ${formatOffset(m.at)}`);
  const markerKey = marks.length ? `<br><span class="marker"></span> ${marks.join('; ')}` : '';
  const key = `<p class="chart-key"><span class="swatch"></span> fault active: ${windows.join('; ') || 'none'}${markerKey}</p>`;
  const data = `<script type="application/json" class="fd-chart-data" data-for="${id}">${jsonForScript(chart)}</script>`;
  if (chart.x.length === 0) {
    return `<p class="muted">No availability probe ran during the method, so there is nothing to chart.</p>\n${key}\n${data}`;
  }
  return `${heading('Availability (share of successful requests)')}
<div class="chart" id="${id}-availability" data-kind="availability"></div>
${heading('Latency (p99 solid, p50 dashed)')}
<div class="chart" id="${id}-latency" data-kind="latency"></div>
${key}
${data}`;
}

function timelineHtml(facts: RunFacts): string {
  if (facts.timeline.length === 0) return '<p class="muted">No events were recorded.</p>';
  const items = facts.timeline.map(
    (item) =>
      `<li class="tone-${item.tone}"><span class="when" title="${escapeHtml(item.at)}">${formatOffset(item.offset)}</span> ` +
      `${escapeHtml(item.text)}${item.detail ? `<span class="detail">${escapeHtml(item.detail)}</span>` : ''}</li>`,
  );
  return `<ol class="timeline">\n${items.join('\n')}\n</ol>`;
}
