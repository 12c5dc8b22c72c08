import { describe, expect, it } from 'vitest';
import { loadStats, percentile } from '../../../src/demo/shop/load-stats.js';
import type { LoadSample } from '../../../src/demo/shop/load-stats.js';

const T0 = 1_700_000_000_000;

/** A sample `offsetMs` after T0. */
function sample(offsetMs: number, kind: LoadSample['kind'], ok: boolean, latencyMs = 10): LoadSample {
  return { at: T0 + offsetMs, kind, ok, latencyMs };
}

describe('percentile', () => {
  it.each([
    { values: [], rank: 0.99, expected: null },
    { values: [7], rank: 0.99, expected: 7 },
    { values: [7], rank: 0.5, expected: 7 },
    // nearest rank: ceil(0.5 * 4) = 2nd smallest, not an interpolation between 2 and 3
    { values: [4, 1, 3, 2], rank: 0.5, expected: 2 },
    { values: [4, 1, 3, 2], rank: 0.75, expected: 3 },
    { values: [4, 1, 3, 2], rank: 1, expected: 4 },
    // 100 values 1..100: p99 is the 99th, not the maximum
    { values: Array.from({ length: 100 }, (_, i) => 100 - i), rank: 0.99, expected: 99 },
    // 101 values: ceil(0.99 * 101) = 100th
    { values: Array.from({ length: 101 }, (_, i) => i + 1), rank: 0.99, expected: 100 },
    // 10 values: ceil(9.9) = 10th, the maximum
    { values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 1000], rank: 0.99, expected: 1000 },
    // numeric order, not the default string order of sort()
    { values: [9, 10, 100, 2], rank: 0.5, expected: 9 },
  ])('gives $expected as the nearest-rank $rank of $values.length values', ({ values, rank, expected }) => {
    expect(percentile(values, rank)).toBe(expected);
  });

  it('does not reorder the values it is given', () => {
    const values = [3, 1, 2];
    percentile(values, 0.99);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('loadStats', () => {
  it.each([
    {
      name: 'counts nothing in an empty window',
      samples: [],
      from: 0,
      to: 10_000,
      expected: {
        reads: { ok: 0, failed: 0, p99Ms: null, downtimeSeconds: 0 },
        orders: { ok: 0, failed: 0, p99Ms: null, downtimeSeconds: 0 },
        downtimeSeconds: 0,
        p99Ms: null,
      },
    },
    {
      name: 'counts ok and failed requests per kind',
      samples: [
        sample(0, 'read', true),
        sample(100, 'read', false),
        sample(200, 'read', true),
        sample(300, 'order', true),
        sample(400, 'order', false),
        sample(500, 'order', false),
      ],
      from: 0,
      to: 10_000,
      expected: { reads: { ok: 2, failed: 1, downtimeSeconds: 1 }, orders: { ok: 1, failed: 2, downtimeSeconds: 1 }, downtimeSeconds: 1 },
    },
    {
      name: 'keeps only the samples sent in [from, to): the start included, the end excluded',
      samples: [sample(-1, 'read', false), sample(0, 'read', true), sample(4_999, 'read', false), sample(5_000, 'read', false)],
      from: 0,
      to: 5_000,
      expected: { reads: { ok: 1, failed: 1, downtimeSeconds: 1 }, downtimeSeconds: 1 },
    },
    {
      name: 'counts a second with several failures once, and seconds from the window start',
      // window starts at 500: failures at 600 and 1400 are both in its second 0; 1500 is second 1
      samples: [sample(600, 'read', false), sample(1_400, 'read', false), sample(1_500, 'read', false), sample(9_499, 'read', false)],
      from: 500,
      to: 10_000,
      expected: { reads: { ok: 0, failed: 4, downtimeSeconds: 3 }, downtimeSeconds: 3 },
    },
    {
      name: 'gives the whole downtime as the union of the seconds either kind failed in',
      // reads fail in seconds 0 and 2, orders in 2 and 5: customers felt 0, 2 and 5
      samples: [
        sample(100, 'read', false),
        sample(2_100, 'read', false),
        sample(2_900, 'order', false),
        sample(5_000, 'order', false),
        sample(7_000, 'read', true),
      ],
      from: 0,
      to: 10_000,
      expected: { reads: { ok: 1, failed: 2, downtimeSeconds: 2 }, orders: { ok: 0, failed: 2, downtimeSeconds: 2 }, downtimeSeconds: 3 },
    },
    {
      name: 'counts no downtime while every request succeeds, however slow',
      samples: [sample(0, 'read', true, 2_900), sample(1_000, 'order', true, 8_000)],
      from: 0,
      to: 10_000,
      expected: { reads: { ok: 1, failed: 0, downtimeSeconds: 0 }, orders: { ok: 1, failed: 0, downtimeSeconds: 0 }, downtimeSeconds: 0 },
    },
  ])('$name', ({ samples, from, to, expected }) => {
    expect(loadStats(samples, T0 + from, T0 + to)).toMatchObject(expected);
  });

  it('takes the p99 per kind and over both kinds, failures included', () => {
    // 99 fast reads and one slow failed one: the failure is the 100th and does not set p99 …
    const reads = Array.from({ length: 99 }, (_, i) => sample(i, 'read', true, 5));
    const slowFailure = sample(200, 'read', false, 3_000);
    // … but among 10 orders the one that failed after 9 s is the nearest-rank p99
    const orders = [...Array.from({ length: 9 }, (_, i) => sample(300 + i, 'order', true, 40)), sample(400, 'order', false, 9_000)];
    const stats = loadStats([...reads, slowFailure, ...orders], T0, T0 + 1_000);
    expect(stats.reads).toMatchObject({ ok: 99, failed: 1, p99Ms: 5 });
    expect(stats.orders).toMatchObject({ ok: 9, failed: 1, p99Ms: 9_000 });
    // over all 110 requests the 109th is the slow failed read: only the one order is slower
    expect(stats.p99Ms).toBe(3_000);
  });

  it('leaves p99 null for a kind with no request in the window', () => {
    const stats = loadStats([sample(0, 'read', true, 12)], T0, T0 + 1_000);
    expect(stats.reads.p99Ms).toBe(12);
    expect(stats.orders.p99Ms).toBeNull();
    expect(stats.p99Ms).toBe(12);
  });
});
