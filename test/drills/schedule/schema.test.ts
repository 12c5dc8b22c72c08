import { describe, expect, it } from 'vitest';
import { blackoutSchema } from '../../../src/drills/schedule/schema.js';
import { parseScheduleDuration } from '../../../src/drills/schedule/duration.js';
import { DAY, HOUR, at, blackout, refusal, schedule } from './support.js';

const paris = { timezone: 'Europe/Paris', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '10:00', to: '16:00' };

describe('schedule schema', () => {
  it('reads a cron schedule and its defaults', () => {
    expect(schedule({ cron: '0 2 * * *', timezone: 'europe/paris' })).toEqual({
      kind: 'cron',
      cron: '0 2 * * *',
      timezone: 'Europe/Paris',
      startingDeadline: 600_000,
    });
  });

  it('reads durations in days and weeks as well as the usual units', () => {
    expect(parseScheduleDuration('1w')).toBe(7 * DAY);
    expect(parseScheduleDuration('1.5d')).toBe(36 * HOUR);
    expect(parseScheduleDuration('10m')).toBe(600_000);
    expect(parseScheduleDuration(90)).toBe(90_000);
    expect(parseScheduleDuration('1y')).toBeUndefined();
    const spec = schedule({ window: { allowed: [paris], every: 'week', minGap: '1d' }, startingDeadline: '1h' });
    expect(spec).toMatchObject({ kind: 'window', startingDeadline: HOUR, window: { minGap: DAY, count: 1, seed: 0 } });
    expect(schedule({ mtbf: { allowed: [paris], mean: '1w', min: '2d', seed: 4 } })).toMatchObject({
      kind: 'mtbf',
      mtbf: { mean: 7 * DAY, min: 2 * DAY, seed: 4 },
    });
  });

  it('gives a window every day when it names none', () => {
    const spec = schedule({ window: { allowed: [{ timezone: 'UTC', from: '00:00', to: '24:00' }], every: 'day' } });
    expect(spec.kind === 'window' && spec.window.allowed[0]?.days).toEqual(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']);
  });

  it('reads a once in its zone, or with its own offset', () => {
    expect(schedule({ once: '2026-12-24T10:00:00', timezone: 'Europe/Paris' })).toMatchObject({
      kind: 'once',
      at: at('2026-12-24T09:00:00Z'),
    });
    expect(schedule({ once: '2026-12-24T10:00:00-05:00' })).toMatchObject({ at: at('2026-12-24T15:00:00Z') });
    expect(schedule({ once: '2026-12-24T10:00Z' })).toMatchObject({ at: at('2026-12-24T10:00:00Z') });
    // The clock skips 02:30 in Paris that night: the launch is at the end of the gap.
    expect(schedule({ once: '2026-03-29T02:30:00', timezone: 'Europe/Paris' })).toMatchObject({ at: at('2026-03-29T01:00:00Z') });
  });

  it('refuses an invalid cron, naming it', () => {
    expect(refusal({ cron: '0 25 * * *', timezone: 'UTC' })).toEqual(['cron: invalid cron "0 25 * * *": Invalid value for hour: 25']);
    expect(refusal({ cron: '* * *', timezone: 'UTC' })[0]).toMatch(/^cron: invalid cron "\* \* \*": invalid configuration format/);
    expect(refusal({ cron: '0 ? * * *', timezone: 'UTC' })[0]).toMatch(/use \* rather than \?/);
  });

  it('refuses an unknown time zone, suggesting the closest', () => {
    expect(refusal({ cron: '0 2 * * *', timezone: 'Europe/Pariss' })).toEqual([
      'timezone: unknown time zone "Europe/Pariss" (did you mean "Europe/Paris"?)',
    ]);
    expect(refusal({ cron: '0 2 * * *', timezone: 'Nowhere' })).toEqual([
      'timezone: unknown time zone "Nowhere": use an IANA name such as Europe/Paris',
    ]);
    expect(refusal({ window: { allowed: [{ ...paris, timezone: 'Paris' }], every: 'week' } })[0]).toMatch(
      /^window\.allowed\.0\.timezone: unknown time zone "Paris"/,
    );
  });

  it('refuses an inverted or empty window, and bad times of day', () => {
    expect(refusal({ window: { allowed: [{ ...paris, from: '16:00', to: '10:00' }], every: 'week' } })).toEqual([
      'window.allowed.0.to: the window ends (10:00) before it starts (16:00): a range over midnight is two, one ending at "24:00" and one from "00:00"',
    ]);
    expect(refusal({ window: { allowed: [{ ...paris, from: '10:00', to: '10:00' }], every: 'week' } })).toHaveLength(1);
    expect(refusal({ window: { allowed: [{ ...paris, from: '25:00' }], every: 'week' } })).toEqual([
      'window.allowed.0.from: expected a time of day "HH:MM" from 00:00 to 24:00, got "25:00"',
    ]);
    expect(refusal({ window: { allowed: [{ ...paris, days: [] }], every: 'week' } })[0]).toMatch(/name at least one day/);
    expect(refusal({ window: { allowed: [], every: 'week' } })[0]).toMatch(/give at least one allowed window/);
    expect(refusal({ window: { allowed: [paris], every: 'week', count: 0 } })[0]).toMatch(/^window\.count:/);
  });

  it('wants exactly one kind, with the zone where it belongs', () => {
    expect(refusal({ cron: '0 2 * * *', once: '2026-12-24T10:00:00', timezone: 'UTC' })).toEqual([
      '(schedule): a schedule has one kind: choose between cron and once',
    ]);
    expect(refusal({ startingDeadline: '5m' })).toEqual(['(schedule): a schedule needs one of cron, once, window or mtbf']);
    expect(refusal({ cron: '0 2 * * *' })).toEqual(['timezone: a cron schedule needs timezone (UTC, Europe/Paris…)']);
    expect(refusal({ once: '2026-12-24T10:00:00' })[0]).toMatch(/^timezone: 2026-12-24T10:00:00 is a local time: give its timezone/);
    expect(refusal({ window: { allowed: [paris], every: 'week' }, timezone: 'UTC' })).toEqual([
      'timezone: each allowed window carries its own timezone',
    ]);
    expect(refusal({ once: '24/12/2026 10:00', timezone: 'UTC' })[0]).toMatch(/^once: expected a date and time like 2026-12-24T10:00:00/);
    expect(refusal({ mtbf: { allowed: [paris], mean: '30s' } })[0]).toMatch(/mean must be at least 1m/);
    expect(refusal({ window: { allowed: [paris], every: 'year' } })[0]).toMatch(/^window\.every:/);
    expect(refusal({ cron: '0 2 * * *', timezone: 'UTC', every: 'day' })[0]).toMatch(/every/);
  });
});

describe('blackout schema', () => {
  it('reads the three kinds, with optional hours', () => {
    expect(blackout({ name: 'freeze', timezone: 'Europe/Paris', from: '2026-12-21', to: '2026-12-27' })).toEqual({
      name: 'freeze',
      timezone: 'Europe/Paris',
      kind: 'dates',
      from: '2026-12-21',
      to: '2026-12-27',
    });
    expect(blackout({ name: 'one day', timezone: 'UTC', from: '2026-05-01' })).toMatchObject({ kind: 'dates', to: '2026-05-01' });
    expect(blackout({ name: 'weekends', timezone: 'UTC', days: ['sat', 'sun'] })).toMatchObject({ kind: 'weekly', days: ['sat', 'sun'] });
    expect(
      blackout({ name: 'xmas', timezone: 'UTC', yearly: { from: '12-24', to: '12-26' }, hours: { from: '08:00', to: '24:00' } }),
    ).toMatchObject({
      kind: 'yearly',
      hours: { from: '08:00', to: '24:00' },
    });
  });

  it('refuses a blackout of no kind, of two, or backwards', () => {
    expect(refusal({ name: 'x', timezone: 'UTC' }, blackoutSchema)).toEqual([
      '(schedule): a blackout has exactly one of from/to (dates), days (weekly) or yearly',
    ]);
    expect(refusal({ name: 'x', timezone: 'UTC', days: ['sat'], from: '2026-01-01' }, blackoutSchema)).toHaveLength(1);
    expect(refusal({ name: 'x', timezone: 'UTC', from: '2026-12-27', to: '2026-12-21' }, blackoutSchema)).toEqual([
      'to: the blackout ends (2026-12-21) before it starts (2026-12-27)',
    ]);
    expect(refusal({ name: 'x', timezone: 'UTC', from: '2026-02-30' }, blackoutSchema)).toEqual([
      'from: expected a date like 2026-12-21, got "2026-02-30"',
    ]);
    expect(refusal({ name: 'x', timezone: 'UTC', yearly: { from: '13-01', to: '12-26' } }, blackoutSchema)[0]).toMatch(
      /^yearly\.from: expected a month and day/,
    );
    expect(refusal({ name: 'x', timezone: 'UTC', days: ['sat'], hours: { from: '18:00', to: '08:00' } }, blackoutSchema)[0]).toMatch(
      /^hours\.to: the blackout ends \(08:00\) before it starts \(18:00\)/,
    );
    expect(refusal({ name: 'x', timezone: 'UTC', days: ['saturday'] }, blackoutSchema)[0]).toMatch(/^days\.0:/);
  });
});
