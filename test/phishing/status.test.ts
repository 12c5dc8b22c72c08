import { describe, expect, it } from 'vitest';
import { SCHEDULED, applyEvent, reached, statusOf } from '../../src/phishing/status.js';

describe('the recipient status machine', () => {
  it('moves forward through the stages and keeps the first time of each', () => {
    const status = statusOf([
      { kind: 'sent', at: 100 },
      { kind: 'delivered', at: 200 },
      { kind: 'opened', at: 300 },
      { kind: 'clicked', at: 400 },
      { kind: 'clicked', at: 450 },
      { kind: 'submitted', at: 500 },
    ]);
    expect(status).toEqual({
      stage: 'submitted',
      reported: false,
      trained: false,
      firstAt: { sent: 100, delivered: 200, opened: 300, clicked: 400, submitted: 500 },
    });
  });

  it('never moves back: an open after a click leaves the stage at clicked', () => {
    const status = statusOf([
      { kind: 'clicked', at: 400 },
      { kind: 'opened', at: 500 },
      { kind: 'delivered', at: 600 },
    ]);
    expect(status.stage).toBe('clicked');
    expect(reached(status, 'delivered')).toBe(true);
    expect(reached(status, 'submitted')).toBe(false);
  });

  it('counts a report after a click as a report, and no later event undoes reported or trained', () => {
    const status = statusOf([
      { kind: 'delivered', at: 1 },
      { kind: 'clicked', at: 2 },
      { kind: 'reported', at: 3 },
      { kind: 'trained', at: 4 },
      { kind: 'submitted', at: 5 },
    ]);
    expect(status).toMatchObject({ stage: 'submitted', reported: true, trained: true, firstAt: { reported: 3, trained: 4 } });
  });

  it('keeps the earliest time when events arrive out of order', () => {
    expect(
      statusOf([
        { kind: 'opened', at: 900 },
        { kind: 'opened', at: 300 },
      ]).firstAt.opened,
    ).toBe(300);
  });

  it('never changes the status it is given', () => {
    const before = statusOf([{ kind: 'sent', at: 1 }]);
    const after = applyEvent(before, { kind: 'reported', at: 2 });
    expect(before).toEqual({ stage: 'sent', reported: false, trained: false, firstAt: { sent: 1 } });
    expect(after.reported).toBe(true);
    expect(SCHEDULED.stage).toBe('scheduled');
  });
});
