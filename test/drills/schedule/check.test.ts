import { describe, expect, it } from 'vitest';
import { checkSchedule } from '../../../src/drills/schedule/check.js';
import type { ScheduleSpec } from '../../../src/drills/schedule/schema.js';
import { WEEKDAYS, at, blackout, schedule } from './support.js';

const now = at('2026-06-01T00:00:00Z');
const paris = { timezone: 'Europe/Paris', days: WEEKDAYS, from: '10:00', to: '16:00' };
const workdays = blackout({ name: 'workdays', timezone: 'Europe/Paris', days: WEEKDAYS });
const weekends = blackout({ name: 'weekends', timezone: 'Europe/Paris', days: ['sat', 'sun'] });

describe('checkSchedule', () => {
  it('finds nothing wrong with a sound schedule', () => {
    const freeze = blackout({ name: 'freeze', timezone: 'Europe/Paris', from: '2026-12-21', to: '2026-12-27' });
    expect(
      checkSchedule(schedule({ window: { allowed: [paris], every: 'week', count: 2, minGap: '1d' } }), [freeze, weekends], now),
    ).toEqual([]);
    expect(checkSchedule(schedule({ cron: '0 2 * * *', timezone: 'Europe/Paris' }), [freeze], now)).toEqual([]);
    expect(checkSchedule(schedule({ mtbf: { allowed: [paris], mean: '1w', min: '1d' } }), [freeze], now)).toEqual([]);
    expect(checkSchedule(schedule({ once: '2026-12-01T10:00:00', timezone: 'Europe/Paris' }), [freeze], now)).toEqual([]);
  });

  it('refuses a window the blackouts always cover', () => {
    const spec = schedule({ window: { allowed: [paris], every: 'week' } });
    expect(checkSchedule(spec, [workdays], now)).toEqual([
      'the allowed window never opens outside the blackouts in the next 366 days: the drill would never launch',
    ]);
    // Covered by three blackouts together, hours included.
    const mornings = blackout({ name: 'mornings', timezone: 'Europe/Paris', days: WEEKDAYS, hours: { from: '00:00', to: '13:00' } });
    const afternoons = blackout({
      name: 'afternoons',
      timezone: 'Europe/Paris',
      days: ['mon', 'tue', 'wed'],
      hours: { from: '12:00', to: '24:00' },
    });
    const late = blackout({ name: 'late', timezone: 'UTC', days: ['thu', 'fri'], hours: { from: '10:00', to: '15:00' } });
    expect(checkSchedule(spec, [mornings, afternoons, late], now)).toHaveLength(1);
    expect(checkSchedule(spec, [mornings, afternoons], now)).toEqual([]);
    const both = schedule({ mtbf: { allowed: [paris, { timezone: 'UTC', days: ['sat'], from: '08:00', to: '09:00' }], mean: '1w' } });
    expect(checkSchedule(both, [workdays], now)).toEqual([
      'allowed[0] (mon–fri 10:00–16:00 Europe/Paris) never opens outside the blackouts in the next 366 days',
    ]);
  });

  it('refuses a cron whose every launch falls in a blackout, or that never runs', () => {
    expect(checkSchedule(schedule({ cron: '0 12 * * sat,sun', timezone: 'Europe/Paris' }), [weekends], now)).toEqual([
      'every launch of cron "0 12 * * sat,sun" in the next 366 days falls in a blackout (weekends)',
    ]);
    expect(checkSchedule(schedule({ cron: '0 0 30 2 *', timezone: 'UTC' }), [], now)).toEqual([
      'cron "0 0 30 2 *" never runs in the next 366 days',
    ]);
  });

  it('refuses a once in the past or in a blackout', () => {
    expect(checkSchedule(schedule({ once: '2026-05-31T10:00:00', timezone: 'Europe/Paris' }), [], now)).toEqual([
      'once: 2026-05-31T10:00:00 (2026-05-31T08:00:00.000Z) is in the past',
    ]);
    expect(checkSchedule(schedule({ once: '2026-06-06T10:00:00', timezone: 'Europe/Paris' }), [weekends], now)).toEqual([
      'once: 2026-06-06T10:00:00 falls in blackout weekends: it would be skipped',
    ]);
  });

  it('refuses a minGap that leaves no room for `count` launches in a period', () => {
    expect(checkSchedule(schedule({ window: { allowed: [paris], every: 'week', count: 4, minGap: '2d' } }), [], now)).toEqual([
      'minGap 2d leaves room for only 3 of the 4 launches in the week of 2026-06-01 (and 52 more weeks)',
    ]);
  });

  it('warns that a minGap longer than the night between two days drops launches', () => {
    expect(checkSchedule(schedule({ window: { allowed: [paris], every: 'day', minGap: '20h' } }), [], now)).toEqual([
      "minGap 20h is longer than the 18h from the close of one day's allowed time to the opening of the next: a launch that close to the one before it is dropped",
    ]);
    expect(checkSchedule(schedule({ window: { allowed: [paris], every: 'day', minGap: '18h' } }), [], now)).toEqual([]);
  });

  it('refuses what the schema would have refused, for a schedule built in code', () => {
    const inverted = {
      kind: 'window',
      window: { allowed: [{ ...paris, from: '16:00', to: '10:00' }], every: 'week', count: 0, minGap: 0, seed: 0 },
      startingDeadline: 0,
    };
    expect(checkSchedule(inverted as ScheduleSpec, [], now)).toEqual([
      'allowed[0] (mon–fri 16:00–10:00 Europe/Paris) is empty: it closes (10:00) before it opens (16:00)',
      'count must be at least 1, got 0',
    ]);
    const mtbf = { kind: 'mtbf', mtbf: { allowed: [paris], mean: 86_400_000, min: 86_400_000, seed: 0 }, startingDeadline: 0 };
    expect(checkSchedule(mtbf as ScheduleSpec, [], now)).toEqual(['min (1d) must be shorter than mean (1d)']);
    const cron = { kind: 'cron', cron: '0 25 * * *', timezone: 'UTC', startingDeadline: 0 };
    expect(checkSchedule(cron as ScheduleSpec, [], now)).toEqual(['invalid cron "0 25 * * *": Invalid value for hour: 25']);
    const zone = { kind: 'cron', cron: '0 2 * * *', timezone: 'Mars/Base', startingDeadline: 0 };
    expect(checkSchedule(zone as ScheduleSpec, [], now)).toEqual(['unknown time zone "Mars/Base"']);
  });
});
