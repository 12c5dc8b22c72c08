import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { nextLaunches } from '../../../src/drills/schedule/launches.js';
import { at, iso, schedule, wallClock } from './support.js';

function launches(cron: string, timezone: string, from: string, to: string): string[] {
  return nextLaunches(schedule({ cron, timezone }), { after: at(from), until: at(to), key: 'd' }).map((l) => iso(l.at));
}

describe('cron schedules', () => {
  it('runs at the local time of the zone, summer and winter', () => {
    expect(launches('0 2 * * *', 'Europe/Paris', '2026-01-10T00:00:00Z', '2026-01-12T00:00:00Z')).toEqual([
      '2026-01-10T01:00:00.000Z',
      '2026-01-11T01:00:00.000Z',
    ]);
    expect(launches('0 2 * * *', 'Europe/Paris', '2026-07-09T23:00:00Z', '2026-07-11T23:00:00Z')).toEqual([
      '2026-07-10T00:00:00.000Z',
      '2026-07-11T00:00:00.000Z',
    ]);
  });

  it('runs a time the clock skips at the end of the gap, in Paris and New York', () => {
    // Europe/Paris: 2026-03-29 02:00 → 03:00. America/New_York: 2026-03-08 02:00 → 03:00.
    expect(launches('30 2 * * *', 'Europe/Paris', '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST: the end of the gap
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
    expect(launches('30 2 * * *', 'America/New_York', '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z')).toEqual([
      '2026-03-07T07:30:00.000Z',
      '2026-03-08T07:00:00.000Z',
      '2026-03-09T06:30:00.000Z',
    ]);
  });

  it('runs a time the clock shows twice once, at its first occurrence', () => {
    // Europe/Paris: 2026-10-25 03:00 → 02:00. America/New_York: 2026-11-01 02:00 → 01:00.
    expect(launches('30 2 * * *', 'Europe/Paris', '2026-10-24T00:00:00Z', '2026-10-27T00:00:00Z')).toEqual([
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z', // 02:30 CEST, not again at 02:30 CET
      '2026-10-26T01:30:00.000Z',
    ]);
    expect(launches('30 1 * * *', 'America/New_York', '2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z')).toEqual([
      '2026-10-31T05:30:00.000Z',
      '2026-11-01T05:30:00.000Z', // 01:30 EDT, not again at 01:30 EST
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('skips the gap and repeats the fold for an interval job', () => {
    const spring = launches('*/30 * * * *', 'Europe/Paris', '2026-03-29T00:00:00Z', '2026-03-29T01:30:00Z');
    expect(spring.map((t) => wallClock('Europe/Paris', Date.parse(t)).time)).toEqual(['01:30:00', '03:00:00', '03:30:00']);
    const fall = launches('*/30 * * * *', 'Europe/Paris', '2026-10-25T00:00:00Z', '2026-10-25T02:00:00Z');
    expect(fall.map((t) => wallClock('Europe/Paris', Date.parse(t)).time)).toEqual(['02:30:00', '02:00:00', '02:30:00', '03:00:00']);
  });

  it('follows days of the week and of the month in the zone', () => {
    // 23:30 in New York on Fridays is Saturday in UTC.
    const fridays = launches('30 23 * * fri', 'America/New_York', '2026-06-01T00:00:00Z', '2026-06-30T00:00:00Z');
    expect(fridays).toHaveLength(4);
    for (const t of fridays) expect(wallClock('America/New_York', Date.parse(t))).toMatchObject({ weekday: 'fri', time: '23:30:00' });
    expect(launches('0 9 1,15 * *', 'Asia/Tokyo', '2026-05-31T00:00:00Z', '2026-06-30T00:00:00Z')).toEqual([
      '2026-06-01T00:00:00.000Z',
      '2026-06-15T00:00:00.000Z',
    ]);
  });

  it('lists the launches in (after, until]', () => {
    expect(launches('0 12 * * *', 'UTC', '2026-06-01T12:00:00Z', '2026-06-02T12:00:00Z')).toEqual(['2026-06-02T12:00:00.000Z']);
    expect(launches('0 12 * * *', 'UTC', '2026-06-02T12:00:00Z', '2026-06-02T12:00:00Z')).toEqual([]);
  });

  it('gives the instants croner gives, across the changes of many zones', () => {
    const patterns = [
      '30 2 * * *',
      '0 3 * * *',
      '*/20 0-4 * * *',
      '15 1-3 * * *',
      '0,30 2 * * *',
      '0 0 * * *',
      '0 30 2 * * *',
      '0 9-17/2 * * mon-fri',
      '0 0 1 */3 *',
      '0 2 1,15 * mon',
      '@weekly',
      '0 0 L * *', // croner's own evaluation, on a UTC clock
      '0 12 * * 5#2',
    ];
    const zones = ['Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago', 'America/Havana', 'Antarctica/Troll'];
    const spans = [
      ['2026-03-01T00:00:00Z', '2026-04-15T00:00:00Z'],
      ['2026-09-01T00:00:00Z', '2026-11-10T00:00:00Z'],
    ];
    for (const timezone of zones) {
      for (const pattern of patterns) {
        for (const [from, to] of spans) {
          const cron = new Cron(pattern, { timezone });
          const expected: string[] = [];
          for (let run = cron.nextRun(new Date(at(from as string))); run && run.getTime() <= at(to as string); run = cron.nextRun(run)) {
            expected.push(run.toISOString());
          }
          const got = launches(pattern, timezone, from as string, to as string);
          if (got.join() !== expected.join())
            expect.fail(`${pattern} in ${timezone} from ${from}: ${got.length} launches, croner ${expected.length}`);
        }
      }
    }
  });

  it('finds next year the launch of a pattern that runs once a year', () => {
    const year = launches('0 0 29 2 *', 'UTC', '2026-01-01T00:00:00Z', '2029-01-01T00:00:00Z');
    expect(year).toEqual(['2028-02-29T00:00:00.000Z']);
    expect(launches('0 0 L 2 *', 'UTC', '2026-01-01T00:00:00Z', '2026-12-31T00:00:00Z')).toEqual(['2026-02-28T00:00:00.000Z']);
  });
});
