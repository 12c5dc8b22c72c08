import { describe, expect, it } from 'vitest';
import { SampleTotals } from '../../src/probes/availability-monitor.js';

describe('availability over a whole drill', () => {
  it('counts every sample since the start, not only the window', () => {
    const totals = new SampleTotals();
    for (let i = 0; i < 999; i++) totals.add({ at: 1000 + i * 10, ok: true, latencyMs: 5 });
    totals.add({ at: 20_000, ok: false, latencyMs: 900 });
    expect(totals.stats(10)).toMatchObject({ totalSamples: 1000, totalFailures: 1, overallSuccessRate: 0.999, overallP99: 5 });
  });

  it('says how long users were affected, from the first failure to the last', () => {
    const totals = new SampleTotals();
    totals.add({ at: 1000, ok: true, latencyMs: 1 });
    totals.add({ at: 2000, ok: false, latencyMs: 1 });
    totals.add({ at: 4500, ok: false, latencyMs: 1 });
    totals.add({ at: 5000, ok: true, latencyMs: 1 });
    const stats = totals.stats(100);
    expect(stats.affectedMs).toBe(2600);
    expect(stats.firstFailureAt).toBe(new Date(2000).toISOString());
    expect(stats.lastFailureAt).toBe(new Date(4500).toISOString());
  });

  it('reports no data before the first sample', () => {
    expect(new SampleTotals().stats(100)).toMatchObject({ totalSamples: 0, overallSuccessRate: null, overallP99: null, affectedMs: 0 });
  });
});
