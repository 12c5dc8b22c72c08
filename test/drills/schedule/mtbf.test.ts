import { describe, expect, it } from 'vitest';
import { nextLaunches } from '../../../src/drills/schedule/launches.js';
import { DAY, HOUR, WEEKDAYS, at, schedule, wallClock } from './support.js';

const paris = { timezone: 'Europe/Paris', days: WEEKDAYS, from: '10:00', to: '16:00' };
const mtbf = (extra: Record<string, unknown> = {}) => schedule({ mtbf: { allowed: [paris], mean: '1w', seed: 11, ...extra } });
const from = at('2026-01-01T00:00:00Z');
const tenYears = at('2036-01-01T00:00:00Z');

function instants(spec = mtbf(), key = 'drill-1', after = from, until = tenYears): number[] {
  return nextLaunches(spec, { after, until, key }).map((l) => l.at);
}

describe('mtbf schedules', () => {
  it('launches about once per mean of calendar time, only inside the windows', () => {
    const launches = instants();
    const weeks = (tenYears - from) / (7 * DAY);
    // Poisson with 522 expected: the standard deviation is 23; the seed is fixed, so this never flakes.
    expect(launches.length / weeks).toBeGreaterThan(0.85);
    expect(launches.length / weeks).toBeLessThan(1.15);
    for (const t of launches) {
      const clock = wallClock('Europe/Paris', t);
      if (!WEEKDAYS.includes(clock.weekday) || clock.time < '10:00:00' || clock.time >= '16:00:00') {
        expect.fail(`${new Date(t).toISOString()} is ${clock.weekday} ${clock.time} in Paris, outside the window`);
      }
    }
    // A mean of a day over 24 h windows: about 3,650 in ten years.
    const daily = instants(schedule({ mtbf: { allowed: [{ timezone: 'UTC', from: '00:00', to: '24:00' }], mean: '1d', seed: 1 } }));
    expect(daily.length).toBeGreaterThan(3400);
    expect(daily.length).toBeLessThan(3900);
  });

  it('draws gaps of window time that look exponential', () => {
    // Counting window time only, a mean of 1w is 30 h of window: the median gap is 30 h × ln 2.
    // About 520 gaps: the mean's standard deviation is 1.3 h, the bounds are 4 of them away.
    const launches = instants();
    const windowGaps: number[] = [];
    for (let i = 1; i < launches.length; i++) windowGaps.push(windowTimeBetween(launches[i - 1] as number, launches[i] as number));
    const sorted = windowGaps.sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] as number;
    expect(median / HOUR).toBeGreaterThan(30 * Math.LN2 * 0.75);
    expect(median / HOUR).toBeLessThan(30 * Math.LN2 * 1.25);
    const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
    expect(mean / HOUR).toBeGreaterThan(30 * 0.8);
    expect(mean / HOUR).toBeLessThan(30 * 1.2);
  });

  it('keeps launches at least min apart', () => {
    const launches = instants(mtbf({ min: '1d' }));
    expect(launches.length).toBeGreaterThan(300);
    for (let i = 1; i < launches.length; i++) expect((launches[i] as number) - (launches[i - 1] as number)).toBeGreaterThanOrEqual(DAY);
    const without = instants(mtbf());
    expect(without.some((t, i) => i > 0 && t - (without[i - 1] as number) < DAY)).toBe(true);
  });

  it('replays for a seed and key, differs for another, and answers the same however it is asked', () => {
    const year = instants(mtbf({ min: '2h' }), 'drill-1', from, from + 365 * DAY);
    expect(instants(mtbf({ min: '2h' }), 'drill-1', from, from + 365 * DAY)).toEqual(year);
    expect(instants(mtbf({ min: '2h' }), 'drill-2', from, from + 365 * DAY)).not.toEqual(year);
    expect(instants(mtbf({ min: '2h', seed: 12 }), 'drill-1', from, from + 365 * DAY)).not.toEqual(year);
    const sliced: number[] = [];
    for (let after = from; after < from + 365 * DAY; after += 5 * HOUR + 777) {
      sliced.push(...instants(mtbf({ min: '2h' }), 'drill-1', after, Math.min(after + 5 * HOUR + 777, from + 365 * DAY)));
    }
    expect(sliced).toEqual(year);
  });
});

/**
 * Time inside Mon–Fri 10:00–16:00 Paris between two instants. Paris is a whole number of hours
 * from UTC, so the window opens and closes on whole UTC hours: each piece up to the next whole
 * hour is inside or outside as a whole.
 */
function windowTimeBetween(a: number, b: number): number {
  let total = 0;
  for (let t = a; t < b; t = Math.floor(t / HOUR) * HOUR + HOUR) {
    const clock = wallClock('Europe/Paris', t);
    if (WEEKDAYS.includes(clock.weekday) && clock.time >= '10:00:00' && clock.time < '16:00:00')
      total += Math.min(Math.floor(t / HOUR) * HOUR + HOUR, b) - t;
  }
  return total;
}
