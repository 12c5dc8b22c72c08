import { runOutcome, TECHNIQUE_KINDS } from '../coverage/observation.js';
import type { DetectionOutcome } from '../coverage/observation.js';
import type { Journal } from '../engine/journal.js';
import { tacticsOf } from '../techniques/technique.js';
import { formatDuration } from '../util/duration.js';
import { escapeHtml } from './escape.js';
import { badge, htmlTable } from './html-page.js';

/**
 * The ATT&CK techniques a run detonated and what the defenders did about them — the run's part
 * of the coverage report (the control plane's GET /api/v1/coverage gathers every run's): the
 * outcome comes from the run's expectations, as there.
 */

const LOOK: Readonly<Record<DetectionOutcome, { text: string; tone: 'ok' | 'warn' | 'bad' | 'info' }>> = {
  detected: { text: 'detected', tone: 'ok' },
  late: { text: 'detected late', tone: 'warn' },
  missed: { text: 'missed', tone: 'bad' },
  'not-measured': { text: 'not measured', tone: 'info' },
};

/** One row per technique detonated (a fault of a technique kind that was injected); none: nothing to show. */
export function attackRows(journal: Pick<Journal, 'faults' | 'expectations' | 'dryRun'>) {
  if (journal.dryRun) return [];
  const { outcome, ttdMs } = runOutcome(journal.expectations);
  const byId = new Map<string, { id: string; name: string; steps: string[]; contained: string[] }>();
  for (const fault of journal.faults) {
    const info = fault.injectedAt === undefined ? undefined : TECHNIQUE_KINDS.get(fault.type);
    if (!info) continue;
    const row = byId.get(info.id) ?? { id: info.id, name: info.name, steps: [], contained: [] };
    row.steps.push(`${fault.step} (${fault.type})`);
    // Time to contain, found on the host: from the detonation to the first check that saw it contained.
    if (fault.containedAt !== undefined && fault.injectedAt !== undefined)
      row.contained.push(
        `${formatDuration(Date.parse(fault.containedAt) - Date.parse(fault.injectedAt))} (${fault.containment ?? 'contained'})`,
      );
    byId.set(info.id, row);
  }
  return [...byId.values()].map((row) => ({ ...row, tactics: tacticsOf(row.id), outcome, ttdMs }));
}

export function attackHtml(journal: Pick<Journal, 'faults' | 'expectations' | 'dryRun'>): string {
  const rows = attackRows(journal);
  const note =
    rows[0]?.outcome === 'not-measured'
      ? '<p class="muted">No expectation watched for a detection in this run: add one (an alert within a deadline) to measure it.</p>'
      : '<p class="muted">The outcome is the run\'s expectations\' (the quickest one met): they are not tied to one technique.</p>';
  return `${htmlTable(
    ['technique', 'name', 'tactics', 'detonated by', 'outcome', 'time to detect', 'time to contain'],
    rows.map((r) => [
      escapeHtml(r.id),
      escapeHtml(r.name),
      escapeHtml(r.tactics.join(', ') || '—'),
      escapeHtml(r.steps.join(', ')),
      badge(LOOK[r.outcome].text, LOOK[r.outcome].tone),
      r.ttdMs === undefined ? '—' : escapeHtml(formatDuration(r.ttdMs)),
      escapeHtml(r.contained.join('; ') || 'not contained by the defenders'),
    ]),
    [5],
  )}\n${note}`;
}
