import type { Journal, JournalEntry } from '../engine/journal.js';
import type { DrillSummary } from '../report/summary.js';
import type { Drill } from './drills.js';

/** What the shop's own traffic saw during one drill. */
export interface TrafficStats {
  readonly reads: { readonly ok: number; readonly failed: number; readonly p99Ms: number | null };
  readonly downtimeSeconds: number;
  /** Over every request, reads and orders. */
  readonly p99Ms: number | null;
}

/**
 * A drill's line in the summary. Availability, downtime and p99 come from the shop's steady
 * traffic (thousands of real requests), RTO and orders lost from the drill's own probes, the
 * abort latency from the journal.
 */
export function summarizeDrill(drill: Drill, journal: Journal, journalPath: string, traffic: TrafficStats | undefined): DrillSummary {
  const reads = traffic ? traffic.reads.ok + traffic.reads.failed : 0;
  const rto = recoveryTime(journal.activities);
  const lost = ordersLost(journal.activities);
  return {
    drill: drill.name,
    runId: journal.runId,
    verdict: journal.verdict,
    expected: drill.expected,
    reason: journal.reason,
    ...(traffic && reads > 0 ? { availability: traffic.reads.ok / reads, downtimeSeconds: traffic.downtimeSeconds } : {}),
    ...(traffic && traffic.p99Ms !== null ? { p99Ms: traffic.p99Ms } : {}),
    ...(rto !== undefined ? { rtoSeconds: rto } : {}),
    ...(lost !== undefined ? { ordersLost: lost } : {}),
    ...(journal.abort?.latencyMs !== undefined ? { abortLatencyMs: journal.abort.latencyMs } : {}),
    journal: journalPath,
  };
}

/** From the start of the step that injected the loss to the first order accepted again. */
function recoveryTime(entries: readonly JournalEntry[]): number | undefined {
  const back = entries.find((e) => e.activity.name === 'orders-back' && e.status === 'succeeded');
  const loss = entries.find((e) => e.activity.name === 'burn');
  if (!back || !loss) return undefined;
  return (Date.parse(back.end) - Date.parse(loss.start)) / 1000;
}

/** The audit's count of acknowledged orders missing from the database. */
function ordersLost(entries: readonly JournalEntry[]): number | undefined {
  const audit = entries.find((e) => e.activity.name === 'nothing-lost');
  const json = (audit?.output as { output?: { json?: { missingCount?: unknown } } } | undefined)?.output?.json;
  return typeof json?.missingCount === 'number' ? json.missingCount : undefined;
}
