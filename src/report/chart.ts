import type { RunEvent } from '../engine/events.js';
import type { Journal } from '../engine/journal.js';
import { describeTarget } from '../engine/target.js';
import type { ChartData } from './chart-data.js';

export type { ChartData } from './chart-data.js';

export function buildChart(events: readonly RunEvent[], journal: Journal | undefined, t0: number): ChartData {
  const seconds = (iso: string) => Math.round(Date.parse(iso) - t0) / 1000;
  const readings = events.filter((e): e is Extract<RunEvent, { type: 'monitor-reading' }> => e.type === 'monitor-reading');
  const probes = [...new Set(readings.map((r) => r.name))];
  const column = () => probes.map(() => readings.map((): number | null => null));
  const successRate = column();
  const p50 = column();
  const p99 = column();
  readings.forEach((reading, i) => {
    const p = probes.indexOf(reading.name);
    const put = (target: (number | null)[][], value: unknown, scale = 1) => {
      const row = target[p];
      if (row && typeof value === 'number' && Number.isFinite(value)) row[i] = Math.round(value * scale * 1000) / 1000;
    };
    put(successRate, reading.reading.successRate, 100);
    put(p50, reading.reading.p50);
    put(p99, reading.reading.p99);
  });
  const lastAt = events.at(-1)?.at ?? journal?.endedAt;
  const end = journal ? journal.durationMs / 1000 : lastAt ? seconds(lastAt) : 0;
  return {
    probes,
    x: readings.map((r) => seconds(r.at)),
    successRate,
    p50,
    p99,
    faults: faultWindows(events, journal, seconds, end),
    markers: markers(events, journal, seconds),
    end,
  };
}

function faultWindows(
  events: readonly RunEvent[],
  journal: Journal | undefined,
  seconds: (iso: string) => number,
  end: number,
): ChartData['faults'] {
  if (journal) {
    return journal.faults.flatMap((fault) => {
      const from = fault.injectedAt ?? fault.injectStartedAt;
      if (!from) return [];
      return [
        {
          label: `${fault.type} on ${describeTarget(fault.target)}`,
          from: seconds(from),
          to: fault.revertedAt ? seconds(fault.revertedAt) : end,
        },
      ];
    });
  }
  // An incomplete run: its events are all there is.
  const reverted = new Map<string, string>();
  for (const e of events) if (e.type === 'fault-reverted') reverted.set(e.faultId, e.at);
  return events.flatMap((e) => {
    if (e.type !== 'fault-injected') return [];
    const to = reverted.get(e.faultId);
    return [{ label: `${e.faultType} on ${describeTarget(e.target)}`, from: seconds(e.at), to: to ? seconds(to) : end }];
  });
}

function markers(events: readonly RunEvent[], journal: Journal | undefined, seconds: (iso: string) => number): ChartData['markers'] {
  const found: { at: number; label: string }[] = [];
  for (const e of events) {
    if (e.type === 'guardrail-tripped') found.push({ at: seconds(e.at), label: `guardrail ${e.name} tripped` });
    if (e.type === 'run-aborting') found.push({ at: seconds(e.at), label: 'abort' });
  }
  if (found.length === 0 && journal) {
    for (const g of journal.guardrails) if (g.trippedAt) found.push({ at: seconds(g.trippedAt), label: `guardrail ${g.name} tripped` });
    if (journal.abort) found.push({ at: seconds(journal.abort.observedAt), label: 'abort' });
  }
  if (journal?.abort?.revertedAt) found.push({ at: seconds(journal.abort.revertedAt), label: 'all faults reverted' });
  return found;
}
