import { describe, expect, it } from 'vitest';
import { blackoutAt } from '../../../src/drills/schedule/blackout.js';
import { nextLaunches } from '../../../src/drills/schedule/launches.js';
import { DAY, at, blackout, iso, schedule } from './support.js';

const freeze = blackout({ name: 'freeze', timezone: 'Europe/Paris', from: '2026-12-21', to: '2026-12-27' });
const weekends = blackout({ name: 'weekends', timezone: 'America/New_York', days: ['sat', 'sun'] });
const holidays = blackout({ name: 'holidays', timezone: 'Europe/Paris', yearly: { from: '12-24', to: '01-01' } });
const evenings = blackout({ name: 'evenings', timezone: 'Europe/Paris', days: ['fri'], hours: { from: '16:00', to: '24:00' } });

describe('blackouts', () => {
  it('covers inclusive dates on the clock of its zone', () => {
    expect(blackoutAt(at('2026-12-20T22:59:59Z'), [freeze])).toBeUndefined(); // 23:59:59 on the 20th in Paris
    expect(blackoutAt(at('2026-12-20T23:00:00Z'), [freeze])?.name).toBe('freeze'); // midnight, the 21st
    expect(blackoutAt(at('2026-12-27T22:59:59Z'), [freeze])?.name).toBe('freeze'); // the end of the 27th
    expect(blackoutAt(at('2026-12-27T23:00:00Z'), [freeze])).toBeUndefined();
  });

  it('covers days of every week', () => {
    expect(blackoutAt(at('2026-06-06T03:59:59Z'), [weekends])).toBeUndefined(); // Saturday in UTC, still Friday in New York
    expect(blackoutAt(at('2026-06-06T04:00:00Z'), [weekends])?.name).toBe('weekends');
    expect(blackoutAt(at('2026-06-08T03:59:59Z'), [weekends])?.name).toBe('weekends');
    expect(blackoutAt(at('2026-06-08T04:00:00Z'), [weekends])).toBeUndefined();
  });

  it('covers dates of every year, over the new year too', () => {
    for (const year of [2026, 2027, 2031]) {
      expect(blackoutAt(Date.UTC(year, 11, 23, 12), [holidays])).toBeUndefined();
      expect(blackoutAt(Date.UTC(year, 11, 24, 12), [holidays])?.name).toBe('holidays');
      expect(blackoutAt(Date.UTC(year + 1, 0, 1, 12), [holidays])?.name).toBe('holidays');
      expect(blackoutAt(Date.UTC(year + 1, 0, 2, 12), [holidays])).toBeUndefined();
    }
    const leap = blackout({ name: 'leap', timezone: 'UTC', yearly: { from: '02-29', to: '02-29' } });
    expect(blackoutAt(Date.UTC(2028, 1, 29, 1), [leap])?.name).toBe('leap');
    expect(blackoutAt(Date.UTC(2027, 2, 1, 1), [leap])).toBeUndefined();
  });

  it('covers only its hours when it has some', () => {
    expect(blackoutAt(at('2026-06-05T13:59:59Z'), [evenings])).toBeUndefined(); // Friday 15:59:59 in Paris
    expect(blackoutAt(at('2026-06-05T14:00:00Z'), [evenings])?.name).toBe('evenings');
    expect(blackoutAt(at('2026-06-05T21:59:59Z'), [evenings])?.name).toBe('evenings');
    expect(blackoutAt(at('2026-06-05T22:00:00Z'), [evenings])).toBeUndefined(); // Saturday
    const morning = blackout({
      name: 'morning',
      timezone: 'UTC',
      from: '2026-06-01',
      to: '2026-06-02',
      hours: { from: '08:00', to: '09:30' },
    });
    expect(blackoutAt(at('2026-06-02T09:29:00Z'), [morning])?.name).toBe('morning');
    expect(blackoutAt(at('2026-06-02T09:30:00Z'), [morning])).toBeUndefined();
    expect(blackoutAt(at('2026-06-03T08:30:00Z'), [morning])).toBeUndefined();
  });

  it('names the first blackout of the list that covers the instant', () => {
    const both = at('2026-12-25T12:00:00Z');
    expect(blackoutAt(both, [freeze, holidays])?.name).toBe('freeze');
    expect(blackoutAt(both, [holidays, freeze])?.name).toBe('holidays');
    expect(blackoutAt(both, [])).toBeUndefined();
  });

  it('marks the launches it covers skipped, without moving them', () => {
    const spec = schedule({ cron: '0 17 * * *', timezone: 'Europe/Paris' });
    const query = { after: at('2026-12-17T00:00:00Z'), until: at('2026-12-30T00:00:00Z'), key: 'd' };
    const free = nextLaunches(spec, query);
    const launches = nextLaunches(spec, { ...query, blackouts: [evenings, freeze] });
    expect(launches.map((l) => l.at)).toEqual(free.map((l) => l.at));
    expect(launches.map((l) => `${iso(l.at).slice(0, 10)} ${l.skipped?.blackout ?? ''}`)).toEqual([
      '2026-12-17 ',
      '2026-12-18 evenings', // a Friday, 17:00
      '2026-12-19 ',
      '2026-12-20 ',
      '2026-12-21 freeze',
      '2026-12-22 freeze',
      '2026-12-23 freeze',
      '2026-12-24 freeze',
      '2026-12-25 evenings', // a Friday, in both: the first listed wins
      '2026-12-26 freeze',
      '2026-12-27 freeze',
      '2026-12-28 ',
      '2026-12-29 ',
    ]);
  });
});

describe('once schedules', () => {
  const spec = schedule({ once: '2026-12-24T10:00:00', timezone: 'Europe/Paris' });

  it('launches once, at its instant, when that is in (after, until]', () => {
    const instant = at('2026-12-24T09:00:00Z');
    expect(nextLaunches(spec, { after: instant - DAY, until: instant + DAY, key: 'd' })).toEqual([{ at: instant }]);
    expect(nextLaunches(spec, { after: instant - DAY, until: instant, key: 'd' })).toEqual([{ at: instant }]);
    expect(nextLaunches(spec, { after: instant, until: instant + DAY, key: 'd' })).toEqual([]);
    expect(nextLaunches(spec, { after: instant - 2 * DAY, until: instant - DAY, key: 'd' })).toEqual([]);
  });

  it('keeps the milliseconds it is given', () => {
    for (const [once, ms] of [
      ['2026-12-24T10:00:00.5+01:00', 500],
      ['2026-12-24T10:00:00.25+01:00', 250],
      ['2026-12-24T10:00:00.123+01:00', 123],
    ] as const) {
      expect(nextLaunches(schedule({ once }), { after: 0, until: at('2027-01-01T00:00:00Z'), key: 'd' })).toEqual([
        { at: at('2026-12-24T09:00:00Z') + ms },
      ]);
    }
  });

  it('is skipped in a blackout', () => {
    expect(nextLaunches(spec, { after: 0, until: at('2027-01-01T00:00:00Z'), key: 'd', blackouts: [freeze] })).toEqual([
      { at: at('2026-12-24T09:00:00Z'), skipped: { blackout: 'freeze' } },
    ]);
  });
});
