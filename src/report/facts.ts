import type { Journal, Verdict } from '../engine/journal.js';
import type { StoredRun } from '../engine/events.js';
import { buildChart } from './chart.js';
import type { ChartData } from './chart.js';
import { buildTimeline } from './timeline.js';
import type { TimelineItem } from './timeline.js';

/**
 * Everything a report shows about one run, derived once from its journal and events so that
 * every format tells the same story. A run that never finished has events only.
 */
export interface RunFacts {
  readonly runId: string;
  readonly dir: string;
  readonly journal?: Journal;
  readonly title: string;
  readonly file: string;
  readonly verdict: Verdict | 'incomplete';
  readonly reason: string;
  readonly dryRun: boolean;
  readonly seed?: number;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly durationMs?: number;
  readonly timeline: readonly TimelineItem[];
  readonly chart: ChartData;
}

export function runFacts(run: StoredRun): RunFacts {
  const { journal, events } = run;
  const started = events.find((e) => e.type === 'run-started');
  const startedAt = journal?.startedAt ?? started?.at ?? events[0]?.at;
  const t0 = startedAt ? Date.parse(startedAt) : 0;
  const base = {
    runId: run.runId,
    dir: run.dir,
    timeline: buildTimeline(events, journal, t0),
    chart: buildChart(events, journal, t0),
    ...(startedAt ? { startedAt } : {}),
  };
  if (journal) {
    return {
      ...base,
      journal,
      title: journal.experiment.title,
      file: journal.experiment.file,
      verdict: journal.verdict,
      reason: journal.reason,
      dryRun: journal.dryRun,
      seed: journal.seed,
      endedAt: journal.endedAt,
      durationMs: journal.durationMs,
    };
  }
  return {
    ...base,
    title: started?.type === 'run-started' ? started.title : run.runId,
    file: '',
    verdict: 'incomplete',
    reason: 'this run stopped before writing its journal',
    dryRun: started?.type === 'run-started' ? started.dryRun : false,
    ...(started?.type === 'run-started' ? { seed: started.seed } : {}),
  };
}

/** Seconds since the run started, for a timestamp of the journal. */
export function offsetIn(facts: RunFacts, iso: string | undefined): number | undefined {
  if (!iso || !facts.startedAt) return undefined;
  return (Date.parse(iso) - Date.parse(facts.startedAt)) / 1000;
}
