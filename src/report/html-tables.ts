import type { ProbeResult } from '../engine/probe.js';
import type { HypothesisCheck } from '../engine/journal.js';
import { describeTarget } from '../engine/target.js';
import { formatDuration } from '../util/duration.js';
import { escapeHtml } from './escape.js';
import { offsetIn } from './facts.js';
import type { RunFacts } from './facts.js';
import { formatMs, formatOffset } from './format.js';
import { badge, htmlTable } from './html-page.js';

/** The parts of a run's HTML section that are tables of journal records. */

const at = (facts: RunFacts, iso: string | undefined): string => {
  const offset = offsetIn(facts, iso);
  return offset === undefined ? '—' : `<span title="${escapeHtml(iso)}">${formatOffset(offset)}</span>`;
};

export function hypothesisHtml(facts: RunFacts, heading: (text: string) => string): string {
  const { before, during, after } = facts.journal?.hypothesis ?? {};
  if (!before && !during && !after) return '<p class="muted">This experiment has no steady-state hypothesis.</p>';
  const parts = [heading('Before the method'), checkHtml(facts, before, 'not checked')];
  parts.push(heading('During the method'));
  if (!during) parts.push('<p class="muted">Not checked during the method.</p>');
  else {
    parts.push(
      `<p>${during.checks} check${during.checks === 1 ? '' : 's'} every ${escapeHtml(formatDuration(during.interval))}: ` +
        `${during.failedChecks === 0 ? badge('all met', 'ok') : badge(`${during.failedChecks} not met`, 'bad')}</p>`,
    );
    const rows = Object.entries(during.probes).map(([name, p]) => [
      escapeHtml(name),
      String(p.checks),
      String(p.failures),
      p.firstFailure ? `${at(facts, p.firstFailure.at)} ${escapeHtml(p.firstFailure.detail)}` : '—',
      p.last ? `${badge(p.last.met ? 'met' : 'not met', p.last.met ? 'ok' : 'bad')} ${escapeHtml(p.last.detail)}` : '—',
    ]);
    if (rows.length > 0) parts.push(htmlTable(['probe', 'checks', 'not met', 'first failure', 'last check'], rows, [1, 2]));
  }
  parts.push(
    heading('After the method'),
    checkHtml(facts, after, facts.verdict === 'aborted' ? 'not checked: the run was aborted' : 'not checked'),
  );
  return parts.join('\n');
}

function checkHtml(facts: RunFacts, check: HypothesisCheck | undefined, missing: string): string {
  if (!check) return `<p class="muted">${escapeHtml(missing)}.</p>`;
  const rows = check.results.map((r: ProbeResult) => [
    escapeHtml(r.name),
    escapeHtml(r.type),
    badge(r.met ? 'met' : 'not met', r.met ? 'ok' : 'bad'),
    escapeHtml(r.error ? `${r.detail} (${r.error})` : r.detail),
  ]);
  return `<p>${check.met ? badge('met', 'ok') : badge('not met', 'bad')} at ${at(facts, check.at)}</p>\n${htmlTable(['probe', 'type', 'result', 'detail'], rows)}`;
}

export function faultsHtml(facts: RunFacts): string {
  const faults = facts.journal?.faults ?? [];
  if (faults.length === 0) return '<p class="muted">No fault was injected.</p>';
  const rows = faults.map((f) => {
    const verified = f.verification
      ? `${badge(f.verification.ok ? 'verified' : 'NOT verified', f.verification.ok ? 'ok' : 'bad')} ${escapeHtml(f.verification.detail)}`
      : escapeHtml(f.error ?? '—');
    const active = f.injectedAt && f.revertedAt ? formatDuration(Date.parse(f.revertedAt) - Date.parse(f.injectedAt)) : '—';
    const tone = f.status === 'reverted' ? 'ok' : f.status === 'active' || f.status === 'injecting' ? 'warn' : 'bad';
    return [
      `${escapeHtml(f.step)}<br><span class="muted">${escapeHtml(f.faultId)}</span>`,
      escapeHtml(f.type),
      escapeHtml(describeTarget(f.target)),
      badge(f.status, tone),
      at(facts, f.injectedAt),
      at(facts, f.revertedAt),
      escapeHtml(active),
      escapeHtml(formatMs(f.injectMs)),
      verified,
    ];
  });
  return htmlTable(
    ['step', 'type', 'target', 'status', 'injected', 'reverted', 'active for', 'inject', 'verification'],
    rows,
    [4, 5, 6, 7],
  );
}

export function guardrailsHtml(facts: RunFacts): string {
  const journal = facts.journal;
  if (!journal) return '';
  const rows = journal.guardrails.map((g) => [
    escapeHtml(g.name),
    escapeHtml(g.condition),
    String(g.samples),
    g.tripped ? `${badge('tripped', 'bad')} ${at(facts, g.trippedAt)}` : badge('held', 'ok'),
    escapeHtml(g.measured === undefined || g.measured === null ? '—' : String(g.measured)),
  ]);
  const parts = rows.length > 0 ? [htmlTable(['guardrail', 'condition', 'samples', 'result', 'measured'], rows, [2])] : [];
  const abort = journal.abort;
  if (abort) {
    const latency =
      abort.latencyMs === undefined
        ? 'not every fault was reverted'
        : `every fault reverted ${formatMs(abort.latencyMs)} later (at ${at(facts, abort.revertedAt)})`;
    parts.push(`<p><strong>Aborted</strong> at ${at(facts, abort.observedAt)}: ${escapeHtml(abort.reason)}; ${latency}.</p>`);
  }
  return parts.join('\n');
}

export function findingsHtml(facts: RunFacts): string {
  const findings = facts.journal?.findings ?? [];
  if (findings.length === 0) return '<p>Nothing to report: every check held.</p>';
  return `<ul>\n${findings.map((f) => `<li>${escapeHtml(f)}</li>`).join('\n')}\n</ul>`;
}
