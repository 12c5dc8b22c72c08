import { describe, expect, it } from 'vitest';
import { nextLaunches } from '../../../src/drills/schedule/launches.js';
import { DAY, HOUR, WEEKDAYS, at, schedule, wallClock } from './support.js';

const paris = { timezone: 'Europe/Paris', days: WEEKDAYS, from: '10:00', to: '16:00' };
const weekly = (extra: Record<string, unknown> = {}) => schedule({ window: { allowed: [paris], every: 'week', seed: 7, ...extra } });
const from = at('2026-01-05T00:00:00Z'); // a Monday; the span crosses both changes of 2026
const until = at('2027-01-04T00:00:00Z');

function instants(spec = weekly(), key = 'drill-1', after = from, to = until): number[] {
  return nextLaunches(spec, { after, until: to, key }).map((l) => l.at);
}

/** Monday of the Paris week an instant is in. */
function weekOf(t: number): string {
  const { date, weekday } = wallClock('Europe/Paris', t);
  const back = WEEKDAYS.concat('sat', 'sun').indexOf(weekday);
  return new Date(Date.parse(`${date}T12:00:00Z`) - back * DAY).toISOString().slice(0, 10);
}

function expectInsideWindows(launches: number[], window = paris): void {
  for (const t of launches) {
    const clock = wallClock(window.timezone, t);
    if (!window.days.includes(clock.weekday) || clock.time < `${window.from}:00` || clock.time >= `${window.to}:00`) {
      expect.fail(`${new Date(t).toISOString()} is ${clock.weekday} ${clock.time} in ${window.timezone}, outside the window`);
    }
  }
}

describe('window schedules', () => {
  it('answers the same whether its plan is cached (same spec object, asked piecewise) or drawn afresh', () => {
    const spec = weekly({ count: 3, minGap: '1d' });
    const piecewise: number[] = [];
    for (let after = until; after > from; after -= 30 * DAY)
      piecewise.unshift(...instants(spec, 'k', Math.max(from, after - 30 * DAY), after));
    expect(piecewise).toEqual(instants(weekly({ count: 3, minGap: '1d' }), 'k'));
    expect(instants(spec, 'other')).not.toEqual(piecewise); // the key is part of the cache
  });

  it('draws inside the allowed windows, in their zone, all year round', () => {
    const launches = instants();
    expect(launches).toHaveLength(52);
    expectInsideWindows(launches);
    const ny = { timezone: 'America/New_York', days: ['sat', 'sun'], from: '22:00', to: '24:00' };
    const late = instants(schedule({ window: { allowed: [ny], every: 'day', count: 2, minGap: '30m' } }));
    expect(late).toHaveLength(2 * 104);
    expectInsideWindows(late, ny);
  });

  it('replays the same moments for the same seed and key, and others for another key or seed', () => {
    expect(instants()).toEqual(instants());
    const other = instants(weekly(), 'drill-2');
    const reseeded = instants(weekly({ seed: 8 }));
    expect(other).toHaveLength(52);
    expect(other.filter((t) => instants().includes(t))).toEqual([]);
    expect(reseeded.filter((t) => instants().includes(t))).toEqual([]);
  });

  it('gives the same launches however the time is sliced into questions', () => {
    const whole = instants(weekly({ count: 3, minGap: '1d' }));
    const sliced: number[] = [];
    for (let after = from; after < until; after += 7 * HOUR + 12_345)
      sliced.push(...instants(weekly({ count: 3, minGap: '1d' }), 'drill-1', after, Math.min(after + 7 * HOUR + 12_345, until)));
    expect(sliced).toEqual(whole);
  });

  it('launches `count` times in each week, each at least minGap after the one before', () => {
    const launches = instants(weekly({ count: 3, minGap: '1d' }));
    const perWeek = new Map<string, number>();
    for (const t of launches) perWeek.set(weekOf(t), (perWeek.get(weekOf(t)) ?? 0) + 1);
    expect(perWeek.size).toBe(52);
    expect([...perWeek.values()].every((n) => n === 3)).toBe(true);
    for (let i = 1; i < launches.length; i++) expect((launches[i] as number) - (launches[i - 1] as number)).toBeGreaterThanOrEqual(DAY);
    expectInsideWindows(launches);
  });

  it('drops a launch closer than minGap to the last one of the period before', () => {
    // One a day in 10:00–16:00, at least 20 h apart: a day drawn early after a day drawn late loses its launch.
    const launches = instants(schedule({ window: { allowed: [paris], every: 'day', minGap: '20h', seed: 2 } }));
    for (let i = 1; i < launches.length; i++)
      expect((launches[i] as number) - (launches[i - 1] as number)).toBeGreaterThanOrEqual(20 * HOUR);
    expect(launches.length).toBeGreaterThan(150);
    expect(launches.length).toBeLessThan(5 * 52);
    const days = new Set(launches.map((t) => wallClock('Europe/Paris', t).date));
    expect(days.size).toBe(launches.length);
  });

  it('places tight launches one after the other when random draws keep colliding', () => {
    // Five launches 20 h apart in Mon–Fri 10–16: one a day, each late enough after the day before.
    const launches = instants(weekly({ count: 5, minGap: '20h' }));
    expect(launches).toHaveLength(5 * 52);
    for (let i = 1; i < launches.length; i++)
      expect((launches[i] as number) - (launches[i - 1] as number)).toBeGreaterThanOrEqual(20 * HOUR);
    expectInsideWindows(launches);
    // Three an hour apart cannot fit 10:00–11:00: one a day.
    const short = { timezone: 'UTC', days: WEEKDAYS, from: '10:00', to: '11:00' };
    const daily = instants(schedule({ window: { allowed: [short], every: 'day', count: 3, minGap: '1h' } }), 'k', from, from + 7 * DAY);
    expect(daily).toHaveLength(5);
  });

  it('spreads the launches over the allowed time', () => {
    const launches = instants(weekly(), 'spread', from, from + 520 * 7 * DAY);
    const byDay = new Map<string, number>();
    const byHour = new Map<string, number>();
    for (const t of launches) {
      const clock = wallClock('Europe/Paris', t);
      byDay.set(clock.weekday, (byDay.get(clock.weekday) ?? 0) + 1);
      byHour.set(clock.time.slice(0, 2), (byHour.get(clock.time.slice(0, 2)) ?? 0) + 1);
    }
    // 520 draws: about 104 a weekday, about 87 an hour (10 to 15).
    expect([...byDay.keys()].sort()).toEqual(['fri', 'mon', 'thu', 'tue', 'wed']);
    for (const n of byDay.values()) expect(n).toBeGreaterThan(60);
    expect([...byHour.keys()].sort()).toEqual(['10', '11', '12', '13', '14', '15']);
    for (const n of byHour.values()) expect(n).toBeGreaterThan(50);
  });

  it('counts days and months on the calendar of the first window', () => {
    const monthly = instants(
      schedule({ window: { allowed: [paris], every: 'month', count: 2, minGap: '3d', seed: 1 } }),
      'k',
      at('2025-12-31T23:00:00Z'), // 2026-01-01 00:00 in Paris
      at('2026-12-31T23:00:00Z'),
    );
    const months = monthly.map((t) => wallClock('Europe/Paris', t).date.slice(0, 7));
    expect(new Set(months).size).toBe(12);
    expect(months.every((m) => months.filter((n) => n === m).length === 2)).toBe(true);
    const daily = instants(schedule({ window: { allowed: [paris], every: 'day', seed: 1 } }), 'k', from, from + 14 * DAY);
    expect(daily.map((t) => wallClock('Europe/Paris', t).date)).toHaveLength(10);
    expectInsideWindows(daily);
    // 08:00–10:00 in Tokyo is 23:00–01:00 UTC: one launch per Tokyo day, not per UTC day.
    const tokyo = { timezone: 'Asia/Tokyo', from: '08:00', to: '10:00' };
    const mornings = instants(
      schedule({ window: { allowed: [tokyo], every: 'day', seed: 5 } }),
      'k',
      at('2026-01-04T15:00:00Z'),
      at('2026-03-05T15:00:00Z'),
    );
    const dates = mornings.map((t) => wallClock('Asia/Tokyo', t).date);
    expect(dates).toHaveLength(60);
    expect(new Set(dates).size).toBe(60);
    expectInsideWindows(mornings, { ...tokyo, days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] });
  });

  it('unites several windows, each in its own zone', () => {
    const tokyo = { timezone: 'Asia/Tokyo', days: ['sat'], from: '09:00', to: '12:00' };
    const launches = instants(schedule({ window: { allowed: [paris, tokyo], every: 'week', count: 4, seed: 3 } }));
    let inTokyo = 0;
    for (const t of launches) {
      const p = wallClock('Europe/Paris', t);
      const k = wallClock('Asia/Tokyo', t);
      const inParis = WEEKDAYS.includes(p.weekday) && p.time >= '10:00:00' && p.time < '16:00:00';
      const inTokyoWindow = k.weekday === 'sat' && k.time >= '09:00:00' && k.time < '12:00:00';
      if (!inParis && !inTokyoWindow) expect.fail(`${new Date(t).toISOString()} is in no window`);
      if (inTokyoWindow) inTokyo++;
    }
    // 3 h of 33 a week: about 19 of 208.
    expect(inTokyo).toBeGreaterThan(5);
    expect(inTokyo).toBeLessThan(50);
  });

  it('has no launch in a window on a day the clock skips it', () => {
    const night = { timezone: 'Europe/Paris', from: '02:00', to: '03:00' };
    const launches = instants(
      schedule({ window: { allowed: [night], every: 'day' } }),
      'k',
      at('2026-03-27T00:00:00Z'),
      at('2026-03-31T00:00:00Z'),
    );
    expect(launches.map((t) => wallClock('Europe/Paris', t).date)).toEqual(['2026-03-27', '2026-03-28', '2026-03-30']);
  });
});
