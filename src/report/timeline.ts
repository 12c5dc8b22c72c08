import type { RunEvent } from '../engine/events.js';
import type { Journal } from '../engine/journal.js';
import { describeTarget } from '../engine/target.js';
import { formatMs } from './format.js';

export type Tone = 'ok' | 'bad' | 'warn' | 'info';

/** One line of a report's timeline: what happened, when (seconds since the run started). */
export interface TimelineItem {
  readonly offset: number;
  readonly at: string;
  readonly tone: Tone;
  readonly text: string;
  readonly detail?: string;
}

const PHASE_NAMES = {
  'hypothesis-before': 'Hypothesis before',
  method: 'Method',
  'hypothesis-after': 'Hypothesis after',
  rollbacks: 'Rollbacks',
} as const;
const STATUS_TONE = { succeeded: 'ok', failed: 'bad', deviated: 'warn', skipped: 'info', aborted: 'bad' } as const;

/**
 * The story of a run from its events. Monitor readings go to the charts, not here; the method's
 * hypothesis checks appear only when they change from met to not met and back (with how many
 * checks failed in between), so a long deviation is one line, not hundreds.
 */
export function buildTimeline(events: readonly RunEvent[], journal: Journal | undefined, t0: number): TimelineItem[] {
  if (events.length === 0 && journal) return fromJournal(journal, t0);
  const items: TimelineItem[] = [];
  const push = (event: RunEvent, tone: Tone, text: string, detail?: string) =>
    items.push({ offset: (Date.parse(event.at) - t0) / 1000, at: event.at, tone, text, ...(detail ? { detail } : {}) });
  let failing: { count: number; first: RunEvent } | undefined;
  for (const event of events) {
    switch (event.type) {
      case 'run-started':
        push(event, 'info', `Run started${event.dryRun ? ' (dry run)' : ''}`, `seed ${event.seed}`);
        break;
      case 'targets-resolved':
        for (const [name, targets] of Object.entries(event.targets))
          push(event, targets.length ? 'info' : 'warn', `Target ${name}: ${targets.map(describeTarget).join(', ') || 'none'}`);
        break;
      case 'phase-started':
        push(event, 'info', PHASE_NAMES[event.phase]);
        break;
      case 'activity-ended': {
        const { entry } = event;
        const what = entry.activity.type ?? entry.activity.kind;
        push(
          event,
          STATUS_TONE[entry.status],
          `${entry.activity.name} (${what}): ${entry.status}`,
          [activityDetail(entry.output, entry.error), formatMs(entry.durationMs)].filter(Boolean).join(' · '),
        );
        break;
      }
      case 'fault-injected':
        push(event, 'warn', `Fault injected: ${event.faultType} on ${describeTarget(event.target)}`, `${event.step} · ${event.faultId}`);
        break;
      case 'fault-contained':
        push(event, 'ok', `Contained by the defenders: ${event.faultType} (${event.faultId})`, event.detail);
        break;
      case 'fault-reverted':
        push(
          event,
          event.verification.ok ? 'ok' : 'bad',
          `Fault reverted${event.verification.ok ? ' and verified' : ', NOT verified'}: ${event.faultId}`,
          event.verification.detail,
        );
        break;
      case 'hypothesis-checked':
        if (event.phase !== 'method') {
          push(
            event,
            event.met ? 'ok' : 'bad',
            `Hypothesis ${event.met ? 'met' : 'not met'} (${event.phase === 'hypothesis-before' ? 'before' : 'after'})`,
            event.results.map((r) => `${r.name}: ${r.detail}`).join(' · '),
          );
        } else if (!event.met) {
          if (failing) failing.count++;
          else {
            failing = { count: 1, first: event };
            push(
              event,
              'bad',
              'Hypothesis broken during the method',
              event.results
                .filter((r) => !r.met)
                .map((r) => `${r.name}: ${r.detail}`)
                .join(' · '),
            );
          }
        } else if (failing) {
          push(
            event,
            'ok',
            `Hypothesis met again after ${failing.count} failed check${failing.count === 1 ? '' : 's'} ` +
              `(${((Date.parse(event.at) - Date.parse(failing.first.at)) / 1000).toFixed(1)}s)`,
          );
          failing = undefined;
        }
        break;
      case 'hypothesis-during-summary':
        push(
          event,
          event.failedChecks ? 'bad' : 'ok',
          `Hypothesis during the method: ${event.checks} checks, ${event.failedChecks} not met`,
        );
        break;
      case 'guardrail-tripped':
        push(
          event,
          'bad',
          `Guardrail ${event.name} tripped`,
          `${event.condition}${event.measured === null ? '' : ` (measured ${event.measured})`}`,
        );
        break;
      case 'expectation-settled': {
        const { expectation: e } = event;
        push(event, e.status === 'met' ? 'ok' : e.status === 'late' ? 'warn' : 'bad', `Expectation ${e.name} ${e.status}`, e.detail);
        break;
      }
      case 'run-aborting':
        push(event, 'bad', 'Aborting', event.reason);
        break;
      case 'faults-reverted-after-abort':
        push(event, 'ok', `Every fault reverted after the abort (${event.count})`, `abort latency ${formatMs(event.latencyMs)}`);
        break;
      case 'run-ended':
        push(
          event,
          event.verdict === 'passed' ? 'ok' : event.verdict === 'failed' ? 'bad' : 'warn',
          `Verdict: ${event.verdict}`,
          event.reason,
        );
        break;
      default:
        break;
    }
  }
  return items;
}

/** Runs recorded without events (an older or copied journal): activities and faults only. */
function fromJournal(journal: Journal, t0: number): TimelineItem[] {
  const at = (iso: string) => (Date.parse(iso) - t0) / 1000;
  const items: TimelineItem[] = journal.activities.map((entry) => ({
    offset: at(entry.start),
    at: entry.start,
    tone: STATUS_TONE[entry.status],
    text: `${entry.activity.name} (${entry.activity.type ?? entry.activity.kind}): ${entry.status}`,
    detail: activityDetail(entry.output, entry.error),
  }));
  for (const fault of journal.faults) {
    if (fault.injectedAt)
      items.push({
        offset: at(fault.injectedAt),
        at: fault.injectedAt,
        tone: 'warn',
        text: `Fault injected: ${fault.type} on ${describeTarget(fault.target)}`,
      });
    if (fault.revertedAt)
      items.push({
        offset: at(fault.revertedAt),
        at: fault.revertedAt,
        tone: fault.verification?.ok ? 'ok' : 'bad',
        text: `Fault reverted: ${fault.faultId}`,
        detail: fault.verification?.detail ?? fault.error ?? '',
      });
  }
  return items.sort((a, b) => a.offset - b.offset);
}

export function activityDetail(output: unknown, error: string | undefined): string {
  if (output && typeof output === 'object') {
    const record = output as Record<string, unknown>;
    if (typeof record.detail === 'string') return record.detail;
    if (typeof record.reason === 'string') return record.reason;
  }
  return error ?? '';
}
