import { describe, expect, it } from 'vitest';
import { SampleWindow, percentile } from '../../src/engine/sample-window.js';

describe('SampleWindow', () => {
  it('reports an empty window as no data: zero samples and null rates', () => {
    const stats = new SampleWindow(1000).stats(5000);
    expect(stats).toEqual({
      samples: 0,
      failures: 0,
      successRate: null,
      failureRate: null,
      p50: null,
      p90: null,
      p95: null,
      p99: null,
      maxLatencyMs: null,
      consecutiveFailures: 0,
      lastError: null,
    });
  });

  it('computes rates and nearest-rank percentiles over every sample', () => {
    const window = new SampleWindow(10_000);
    // Latencies 1..100 added out of order; every 10th sample fails.
    for (let i = 100; i >= 1; i--) window.add({ at: 1000, ok: i % 10 !== 0, latencyMs: i, ...(i % 10 === 0 ? { error: `e${i}` } : {}) });
    const stats = window.stats(1000);
    expect(stats.samples).toBe(100);
    expect(stats.failures).toBe(10);
    expect(stats.successRate).toBe(0.9);
    expect(stats.failureRate).toBe(0.1);
    expect([stats.p50, stats.p90, stats.p95, stats.p99, stats.maxLatencyMs]).toEqual([50, 90, 95, 99, 100]);
  });

  it('drops samples once they are older than the window', () => {
    const window = new SampleWindow(1000);
    window.add({ at: 0, ok: false, latencyMs: 5, error: 'old' });
    window.add({ at: 600, ok: true, latencyMs: 7 });
    expect(window.stats(900).samples).toBe(2);
    const later = window.stats(1200);
    expect(later).toMatchObject({ samples: 1, failures: 0, successRate: 1, lastError: null, p50: 7 });
    expect(window.stats(1600).samples).toBe(0);
  });

  it('counts the failures at the newest end and keeps the newest error', () => {
    const window = new SampleWindow(1000);
    window.add({ at: 1, ok: false, latencyMs: 1, error: 'first' });
    window.add({ at: 2, ok: true, latencyMs: 1 });
    window.add({ at: 3, ok: false, latencyMs: 1, error: 'status 503' });
    window.add({ at: 4, ok: false, latencyMs: 1, error: 'connect ECONNREFUSED 127.0.0.1:1' });
    const stats = window.stats(10);
    expect(stats.consecutiveFailures).toBe(2);
    expect(stats.lastError).toBe('connect ECONNREFUSED 127.0.0.1:1');
    window.add({ at: 5, ok: true, latencyMs: 1 });
    expect(window.stats(10)).toMatchObject({ consecutiveFailures: 0, lastError: 'connect ECONNREFUSED 127.0.0.1:1' });
  });

  it('keeps order while its ring grows and wraps around', () => {
    const window = new SampleWindow(100);
    // 1000 samples 1 ms apart: the ring wraps many times and grows past its initial 64 slots.
    for (let at = 1; at <= 1000; at++) window.add({ at, ok: at % 2 === 0, latencyMs: at });
    const stats = window.stats(1000);
    expect(stats.samples).toBe(100);
    expect(stats.maxLatencyMs).toBe(1000);
    expect(stats.p50).toBe(950);
    expect(stats.successRate).toBe(0.5);
    expect(window.length).toBe(100);
  });

  it('takes percentiles by nearest rank, always an observed value', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2], 50)).toBe(1);
    expect(percentile([1, 2], 51)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0)).toBe(1);
  });

  it('refuses a window that is not positive', () => {
    expect(() => new SampleWindow(0)).toThrow(/positive/);
  });
});
