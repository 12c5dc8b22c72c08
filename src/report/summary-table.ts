import type { DemoSummary, DrillSummary } from './summary.js';
import { formatDuration } from '../util/duration.js';
import { formatPercent } from './format.js';

/** The demo's summary, one row per drill, as plain cells every format shares. */
export const SUMMARY_HEADERS = [
  'drill',
  'expected',
  'verdict',
  'as expected',
  'availability',
  'downtime s',
  'p99 ms',
  'RTO s',
  'orders lost',
  'abort latency ms',
] as const;
/** Columns holding numbers: right-aligned everywhere. */
export const SUMMARY_NUMERIC = [4, 5, 6, 7, 8, 9] as const;

/** What each number means, printed under every rendering of the table. */
export const SUMMARY_LEGEND = [
  "Measured on the shop's steady customer traffic during each drill: availability is the share of browse requests answered;",
  'downtime counts the seconds in which any customer request (browse or order) failed; p99 is over every request.',
  'RTO runs from the loss of the datacenter to the first order accepted again;',
  'orders lost are acknowledged orders missing from the database afterwards;',
  "abort latency runs from the guardrail's breach to the last fault reverted and verified.",
].join(' ');

export function matched(drill: DrillSummary): boolean {
  return drill.verdict === drill.expected;
}

export function summaryCells(drill: DrillSummary, missing = '-'): string[] {
  const num = (value: number | undefined, digits: number) =>
    value === undefined || !Number.isFinite(value) ? missing : value.toFixed(digits);
  return [
    drill.drill,
    drill.expected,
    drill.verdict,
    matched(drill) ? '✓' : '✗',
    drill.availability === undefined ? missing : formatPercent(drill.availability),
    num(drill.downtimeSeconds, 1),
    num(drill.p99Ms, 0),
    num(drill.rtoSeconds, 1),
    num(drill.ordersLost, 0),
    num(drill.abortLatencyMs, 0),
  ];
}

/** `5 drills in 1m2s: 5 as expected.` */
export function summaryLine(summary: DemoSummary): string {
  const ok = summary.drills.filter(matched).length;
  const n = summary.drills.length;
  return `${n} drill${n === 1 ? '' : 's'} in ${formatDuration(summary.durationMs)}: ${ok} as expected${ok === n ? '' : `, ${n - ok} NOT as expected`}.`;
}

/**
 * The summary as a plain-text table with aligned columns, for the terminal at the end of
 * `firedrill demo`; then the drills that did not end as expected, with their reason, and the
 * skipped ones.
 */
export function formatSummaryTable(summary: DemoSummary): string {
  const rows = [[...SUMMARY_HEADERS], ...summary.drills.map((d) => summaryCells(d))];
  const widths = SUMMARY_HEADERS.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const numeric: readonly number[] = SUMMARY_NUMERIC;
  const lines = rows.map((row) =>
    row
      .map((cell, i) => (numeric.includes(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  lines.push('', summaryLine(summary), '', wrap(SUMMARY_LEGEND, 100));
  for (const d of summary.drills.filter((drill) => !matched(drill)))
    lines.push(`✗ ${d.drill}: expected ${d.expected}, got ${d.verdict}: ${d.reason}`);
  for (const s of summary.skipped) lines.push(`skipped ${s.drill}: ${s.reason}`);
  return `${lines.join('\n')}\n`;
}

function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join('\n');
}
