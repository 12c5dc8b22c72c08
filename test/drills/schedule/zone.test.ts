import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, instantToLocal, localToInstant, timeZone } from '../../../src/drills/schedule/zone.js';
import { at, iso } from './support.js';

const local = (year: number, month: number, day: number, hour: number, minute: number) => ({ year, month, day, hour, minute, second: 0 });

describe('local time and instants', () => {
  it('reads a local time in the zone, winter and summer', () => {
    expect(iso(localToInstant('Europe/Paris', local(2026, 12, 24, 10, 0)))).toBe('2026-12-24T09:00:00.000Z');
    expect(iso(localToInstant('Europe/Paris', local(2026, 7, 14, 10, 0)))).toBe('2026-07-14T08:00:00.000Z');
    expect(iso(localToInstant('America/New_York', local(2026, 7, 4, 9, 0)))).toBe('2026-07-04T13:00:00.000Z');
    expect(iso(localToInstant('Asia/Kolkata', local(2026, 1, 1, 0, 0)))).toBe('2025-12-31T18:30:00.000Z');
  });

  it('moves a time the clock skips forward to the end of the gap', () => {
    // Paris springs from 02:00 to 03:00 on 2026-03-29; New York on 2026-03-08.
    expect(iso(localToInstant('Europe/Paris', local(2026, 3, 29, 2, 30)))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(localToInstant('Europe/Paris', local(2026, 3, 29, 3, 0)))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(localToInstant('Europe/Paris', local(2026, 3, 29, 1, 59)))).toBe('2026-03-29T00:59:00.000Z');
    expect(iso(localToInstant('America/New_York', local(2026, 3, 8, 2, 30)))).toBe('2026-03-08T07:00:00.000Z');
  });

  it('takes the first of a time the clock shows twice', () => {
    // Paris falls back from 03:00 to 02:00 on 2026-10-25; New York from 02:00 to 01:00 on 2026-11-01.
    expect(iso(localToInstant('Europe/Paris', local(2026, 10, 25, 2, 30)))).toBe('2026-10-25T00:30:00.000Z');
    expect(iso(localToInstant('Europe/Paris', local(2026, 10, 25, 3, 0)))).toBe('2026-10-25T02:00:00.000Z');
    expect(iso(localToInstant('America/New_York', local(2026, 11, 1, 1, 30)))).toBe('2026-11-01T05:30:00.000Z');
    expect(
      timeZone('America/New_York')
        .instantsOf(Date.UTC(2026, 10, 1, 1, 30))
        .map(iso),
    ).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z']);
    expect(timeZone('Europe/Paris').instantsOf(Date.UTC(2026, 2, 29, 2, 30))).toEqual([]);
  });

  it('reads the clock at an instant, on both sides of a change', () => {
    expect(instantToLocal('Europe/Paris', at('2026-03-29T00:59:59Z'))).toMatchObject({ hour: 1, minute: 59, second: 59 });
    expect(instantToLocal('Europe/Paris', at('2026-03-29T01:00:00Z'))).toMatchObject({ hour: 3, minute: 0, weekday: 0 });
    expect(instantToLocal('America/New_York', at('2026-11-01T05:30:00Z'))).toMatchObject({ day: 1, hour: 1, minute: 30 });
    expect(instantToLocal('America/New_York', at('2026-11-01T06:30:00Z'))).toMatchObject({ day: 1, hour: 1, minute: 30 });
    expect(instantToLocal('Australia/Lord_Howe', at('2026-10-03T15:30:00Z'))).toMatchObject({ day: 4, hour: 2, minute: 30 });
  });

  it('agrees with Intl at every hour of a year in several zones', () => {
    for (const zone of ['Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago', 'Pacific/Chatham']) {
      const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
      for (let t = at('2026-01-01T00:17:00Z'); t < at('2027-01-01T00:00:00Z'); t += 3_600_000) {
        const name = format.formatToParts(t).find((p) => p.type === 'timeZoneName')?.value ?? '';
        const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
        const expected = match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) * 60_000 : 0;
        if (timeZone(zone).offsetAt(t) !== expected) expect.fail(`${zone} at ${iso(t)}: ${timeZone(zone).offsetAt(t)} ≠ ${expected}`);
      }
    }
  });

  it('knows IANA names, whatever their case, and nothing else', () => {
    expect(canonicalTimeZone('europe/paris')).toBe('Europe/Paris');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Europe/Pariss')).toBeUndefined();
    expect(canonicalTimeZone('')).toBeUndefined();
    expect(() => localToInstant('Mars/Olympus_Mons', local(2026, 1, 1, 0, 0))).toThrow('unknown time zone "Mars/Olympus_Mons"');
  });
});
