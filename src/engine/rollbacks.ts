import type { ActionActivity } from '../experiment/schema.js';
import { lookupProbe, PreparedProbe } from './activities.js';
import type { EventBus } from './events.js';
import { iso } from './journal.js';
import type { JournalEntry } from './journal.js';
import type { AnyProbeType } from './probe.js';

/**
 * Rollbacks always run, in order, after every fault was reverted — also after an abort — each
 * bounded by `timeoutMs` and with a signal of their own (the run's may already be aborted).
 * Returns the failures of those that do not tolerate failing. A dry run records them as skipped.
 */
export async function runRollbacks(
  rollbacks: readonly ActionActivity[],
  registry: ReadonlyMap<string, AnyProbeType>,
  { timeoutMs, dryRun }: { timeoutMs: number; dryRun: boolean },
  bus: EventBus,
  record: (entry: JournalEntry) => void,
): Promise<string[]> {
  const failures: string[] = [];
  for (const [index, rollback] of rollbacks.entries()) {
    const name = rollback.name ?? `rollback-${index + 1}`;
    const probe = new PreparedProbe(
      { name, type: rollback.action, params: rollback.params, tolerance: rollback.tolerance },
      lookupProbe(registry, rollback.action),
    );
    const start = Date.now();
    bus.emit({ type: 'activity-started', phase: 'rollbacks', kind: 'action', name, detail: rollback.action });
    const result = dryRun ? undefined : await probe.run(AbortSignal.timeout(timeoutMs));
    const end = Date.now();
    const entry: JournalEntry = {
      activity: { phase: 'rollbacks', kind: 'action', name, type: rollback.action },
      status: !result ? 'skipped' : result.met ? 'succeeded' : 'failed',
      output: result ?? { dryRun: true },
      ...(result?.error !== undefined ? { error: result.error } : {}),
      start: iso(start),
      end: iso(end),
      durationMs: end - start,
    };
    record(entry);
    bus.emit({ type: 'activity-ended', entry });
    if (result && !result.met && !rollback.continueOnError) failures.push(`rollback ${name} failed: ${result.detail}`);
  }
  return failures;
}
