import { describe, expect, it } from 'vitest';
import { byDepartment, byLure, individual, summarise, trend } from '../../src/phishing/results.js';
import type { Aggregate, RecipientOutcome } from '../../src/phishing/results.js';
import { statusOf } from '../../src/phishing/status.js';
import type { TrackingEvent } from '../../src/phishing/status.js';

const MIN = 60_000;

function person(id: string, department: string, events: TrackingEvent[], lure = 'invoice'): RecipientOutcome {
  return { recipientId: id, department, lure, status: statusOf([{ kind: 'sent', at: 0 }, { kind: 'delivered', at: MIN }, ...events]) };
}

/** `count` people of a department; the first `reporters` report at 1, 2, 3… minutes after delivery. */
function department(name: string, count: number, reporters = 0, clickers = 0): RecipientOutcome[] {
  return Array.from({ length: count }, (_, i) =>
    person(`${name}-${i}`, name, [
      ...(i < clickers ? [{ kind: 'clicked' as const, at: 30 * MIN }] : []),
      ...(i < reporters ? [{ kind: 'reported' as const, at: MIN + (i + 1) * MIN }] : []),
    ]),
  );
}

const groups = (aggregates: Aggregate[]): [string, number][] => aggregates.map((aggregate) => [aggregate.group, aggregate.recipients]);

describe('blameless results', () => {
  it('leads with report rate, time to first report and median time to report, then clicks and submits', () => {
    const outcomes = [...department('Finance', 6, 3, 2), person('x', 'Finance', [{ kind: 'submitted', at: 40 * MIN }])];
    expect(summarise(outcomes)).toEqual({
      group: 'all',
      merged: false,
      recipients: 7,
      sent: 7,
      reported: 3,
      clicked: 3,
      submitted: 1,
      trained: 0,
      reportRate: 3 / 7,
      clickRate: 3 / 7,
      submitRate: 1 / 7,
      timeToFirstReportMs: 2 * MIN,
      medianTimeToReportMs: 2 * MIN,
    });
  });

  it('counts a report after a click as a report', () => {
    const outcomes = department('IT', 5).map((outcome, i) =>
      i === 0
        ? person('c', 'IT', [
            { kind: 'clicked', at: 2 * MIN },
            { kind: 'reported', at: 3 * MIN },
          ])
        : outcome,
    );
    expect(summarise(outcomes)).toMatchObject({ reported: 1, clicked: 1, timeToFirstReportMs: 3 * MIN });
  });

  it('never returns a group under the minimum: small ones merge into "other"', () => {
    const outcomes = [...department('Sales', 8), ...department('Legal', 3), ...department('Board', 2)];
    expect(groups(byDepartment(outcomes))).toEqual([
      ['Sales', 8],
      ['other', 5],
    ]);
    expect(byDepartment(outcomes).find((aggregate) => aggregate.group === 'other')?.merged).toBe(true);
  });

  it('merges the smallest returned group too when "other" would be too small, so no difference gives a person away', () => {
    const outcomes = [...department('Sales', 8), ...department('Ops', 6), ...department('Legal', 3)];
    const result = byDepartment(outcomes);
    expect(groups(result)).toEqual([
      ['Sales', 8],
      ['other', 9],
    ]);
    for (const aggregate of result) expect(aggregate.recipients).toBeGreaterThanOrEqual(5);
  });

  it('returns nothing for a campaign under the minimum, on every function', () => {
    const outcomes = department('Tiny', 4, 4);
    expect(summarise(outcomes)).toBeUndefined();
    expect(byDepartment(outcomes)).toEqual([]);
    expect(byLure(outcomes)).toEqual([]);
    expect(trend([{ campaignId: 'c1', startedAt: 0, outcomes }])).toEqual([]);
  });

  it('lets a drill raise the minimum, never lower it', () => {
    const outcomes = [...department('Sales', 8), ...department('Ops', 6)];
    // Ops (6) is under 7 and alone in "other": Sales joins it, or the total would give Ops away.
    expect(groups(byDepartment(outcomes, { minGroupSize: 7 }))).toEqual([['other', 14]]);
    expect(groups(byDepartment(outcomes))).toEqual([
      ['Sales', 8],
      ['Ops', 6],
    ]);
    expect(() => byDepartment(outcomes, { minGroupSize: 2 })).toThrow(/minGroupSize: a whole number ≥ 5/);
  });

  it('groups by lure and follows campaigns over time', () => {
    const outcomes = [
      ...department('A', 5).map((outcome) => ({ ...outcome, lure: 'invoice' })),
      ...department('B', 5, 5).map((outcome) => ({ ...outcome, lure: 'hr-policy' })),
    ];
    expect(byLure(outcomes).map((aggregate) => [aggregate.group, aggregate.reportRate])).toEqual([
      ['hr-policy', 1],
      ['invoice', 0],
    ]);
    const weeks = trend([
      { campaignId: 'week-2', startedAt: 2, outcomes: department('A', 5, 4) },
      { campaignId: 'week-1', startedAt: 1, outcomes: department('A', 5, 1) },
    ]);
    expect(weeks.map((week) => [week.group, week.reportRate])).toEqual([
      ['week-1', 0.2],
      ['week-2', 0.8],
    ]);
  });

  it('shows a person their own result and the phishing admin anyone’s, and refuses everyone else', () => {
    const outcomes = department('Sales', 5, 1);
    expect(individual(outcomes, 'Sales-0', { role: 'phishing-admin' })?.status.reported).toBe(true);
    expect(individual(outcomes, 'Sales-1', { role: 'viewer', recipientId: 'Sales-1' })?.recipientId).toBe('Sales-1');
    expect(() => individual(outcomes, 'Sales-0', { role: 'lead', recipientId: 'Sales-1' })).toThrow(/only to the phishing admin/);
    expect(() => individual(outcomes, 'Sales-0', { role: 'manager' })).toThrow(/only to the phishing admin/);
  });
});
