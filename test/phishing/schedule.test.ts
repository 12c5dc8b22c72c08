import { describe, expect, it } from 'vitest';
import { instantToLocal } from '../../src/drills/schedule/zone.js';
import { Throttle, planSending, retryDelay, windowIntervals } from '../../src/phishing/schedule.js';
import { seededRandom } from '../../src/util/random.js';

const paris = { from: '09:00', to: '17:00', timeZone: 'Europe/Paris' };
const iso = (at: number): string => new Date(at).toISOString().slice(0, 16);
const people = Array.from({ length: 100 }, (_, i) => `p${i}`);

describe('the sending window across daylight-saving changes', () => {
  it('keeps 09:00–17:00 Paris time across the late-October change, weekdays only', () => {
    const friday = Date.parse('2026-10-22T22:00:00Z'); // Friday 23 October, 00:00 in Paris
    const intervals = windowIntervals({ ...paris, weekdaysOnly: true }, friday, 2);
    expect(intervals.map(([from, to]) => [iso(from), iso(to)])).toEqual([
      ['2026-10-23T07:00', '2026-10-23T15:00'], // CEST, UTC+2
      ['2026-10-26T08:00', '2026-10-26T16:00'], // CET, UTC+1, the weekend skipped
    ]);
  });

  it('keeps it across the late-March change, weekend included', () => {
    const saturday = Date.parse('2026-03-27T23:00:00Z');
    expect(windowIntervals(paris, saturday, 3).map(([from, to]) => [iso(from), iso(to)])).toEqual([
      ['2026-03-28T08:00', '2026-03-28T16:00'],
      ['2026-03-29T07:00', '2026-03-29T15:00'],
      ['2026-03-30T07:00', '2026-03-30T15:00'],
    ]);
  });

  it('starts inside today’s window when the plan starts during it, and skips a closed today', () => {
    const noon = Date.parse('2026-12-07T11:00:00Z'); // Monday, 12:00 in Paris
    expect(windowIntervals(paris, noon, 1).map(([from, to]) => [iso(from), iso(to)])).toEqual([['2026-12-07T11:00', '2026-12-07T16:00']]);
    const evening = Date.parse('2026-12-07T18:00:00Z');
    expect(iso((windowIntervals(paris, evening, 1)[0] as [number, number])[0])).toBe('2026-12-08T08:00');
  });
});

describe('the sending plan', () => {
  const options = { start: Date.parse('2026-10-22T22:00:00Z'), seed: 42, window: { ...paris, weekdaysOnly: true }, days: 2, perMinute: 2 };

  it('sends everyone once, inside the window in Paris time, in a seeded random order', () => {
    const plan = planSending(people, options);
    expect(plan.map((send) => send.recipient).sort()).toEqual([...people].sort());
    expect(plan.map((send) => send.recipient)).not.toEqual(people);
    for (const { at } of plan) {
      const local = instantToLocal('Europe/Paris', at);
      expect(local.hour).toBeGreaterThanOrEqual(9);
      expect(local.hour).toBeLessThan(17);
      expect([1, 5]).toContain(local.weekday);
    }
    expect(planSending(people, options)).toEqual(plan);
    expect(planSending(people, { ...options, seed: 43 }).map((send) => send.recipient)).not.toEqual(plan.map((send) => send.recipient));
  });

  it('never puts more than perMinute sends in any minute, and spreads over both days', () => {
    const plan = planSending(people, { ...options, perMinute: 1, days: 1 });
    const times = plan.map((send) => send.at);
    for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(60_000);
    const twoDays = planSending(people, options).map((send) => iso(send.at).slice(0, 10));
    expect(new Set(twoDays)).toEqual(new Set(['2026-10-23', '2026-10-26']));
  });

  it('refuses a plan the window cannot hold at that rate', () => {
    const many = Array.from({ length: 500 }, (_, i) => i);
    expect(() => planSending(many, { ...options, perMinute: 1, days: 1 })).toThrow(
      '500 recipients at most 1 a minute need 500 min; the window gives 480 min over 1 day(s): widen it, add days or raise the rate',
    );
    expect(() => planSending(people, { ...options, window: { ...paris, from: '17:00', to: '09:00' } })).toThrow(/is not after/);
    expect(() => planSending(people, { ...options, window: { ...paris, timeZone: 'Mars/Olympus' } })).toThrow(/unknown time zone/);
  });

  it('without a window, spreads over whole days from the start', () => {
    const start = Date.parse('2026-12-07T00:00:00Z');
    const plan = planSending(people, { start, seed: 1, days: 1 });
    for (const { at } of plan) expect(at >= start && at < start + 86_400_000).toBe(true);
  });
});

describe('the throttle the sender uses', () => {
  it('lets perMinute sends through at once, then holds the next until a minute after the oldest', () => {
    let now = 0;
    const throttle = new Throttle(3, () => now);
    expect([throttle.reserve(), throttle.reserve(), throttle.reserve()]).toEqual([0, 0, 0]);
    expect(throttle.delay()).toBe(60_000);
    now = 30_000;
    expect(throttle.delay()).toBe(30_000);
    expect(throttle.reserve()).toBe(60_000);
    now = 200_000;
    expect(throttle.delay()).toBe(0);
    expect(throttle.reserve()).toBe(200_000);
  });

  it('never lets more than perMinute into any minute', () => {
    let now = 0;
    const throttle = new Throttle(5, () => now);
    const sent: number[] = [];
    for (let i = 0; i < 40; i++) {
      sent.push(throttle.reserve());
      now += 3_000;
    }
    for (const start of sent) expect(sent.filter((at) => at >= start && at < start + 60_000).length).toBeLessThanOrEqual(5);
  });

  it('backs off exponentially with jitter, capped', () => {
    const random = seededRandom(7);
    const first = retryDelay(1, random);
    expect(first).toBeGreaterThanOrEqual(2_500);
    expect(first).toBeLessThanOrEqual(5_000);
    expect(retryDelay(30, random)).toBeLessThanOrEqual(15 * 60_000);
    expect(retryDelay(3, () => 1)).toBe(20_000);
  });
});
