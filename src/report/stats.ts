import type { ChartData } from './chart.js';

/** What a chart shows, in numbers, for formats that cannot draw it (Markdown). */
export interface ProbeStats {
  readonly probe: string;
  readonly readings: number;
  /** Ratio 0..1. */
  readonly lowestRate?: number;
  readonly lowestRateAt?: number;
  readonly highestP99?: number;
  readonly highestP99At?: number;
  readonly highestP50?: number;
}

export function chartStats(chart: ChartData): ProbeStats[] {
  return chart.probes.map((probe, p) => {
    const extreme = (values: readonly (number | null)[] | undefined, pick: (a: number, b: number) => boolean) => {
      let best: { value: number; at: number } | undefined;
      values?.forEach((value, i) => {
        if (value !== null && (best === undefined || pick(value, best.value))) best = { value, at: chart.x[i] as number };
      });
      return best;
    };
    const rate = extreme(chart.successRate[p], (a, b) => a < b);
    const p99 = extreme(chart.p99[p], (a, b) => a > b);
    const p50 = extreme(chart.p50[p], (a, b) => a > b);
    return {
      probe,
      readings: chart.successRate[p]?.filter((v) => v !== null).length ?? 0,
      ...(rate ? { lowestRate: rate.value / 100, lowestRateAt: rate.at } : {}),
      ...(p99 ? { highestP99: p99.value, highestP99At: p99.at } : {}),
      ...(p50 ? { highestP50: p50.value } : {}),
    };
  });
}
