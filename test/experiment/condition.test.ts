import { describe, expect, it } from 'vitest';
import { conditionHolds, parseCondition } from '../../src/experiment/condition.js';

describe('guardrail conditions', () => {
  it('reads rates as percentages or fractions', () => {
    expect(parseCondition('failureRate > 5%')).toMatchObject({ metric: 'failureRate', operator: '>', threshold: 0.05 });
    expect(parseCondition('successRate < 0.999')).toMatchObject({ metric: 'successRate', operator: '<', threshold: 0.999 });
  });

  it('reads the way people say it, with spaces and a window', () => {
    expect(parseCondition('failure rate > 5 % over 2 s')).toMatchObject({ metric: 'failureRate', threshold: 0.05, windowMs: 2000 });
    expect(parseCondition('p99 latency > 1s')).toMatch(/unknown metric "p99 latency"/);
    expect(parseCondition('P99 >= 800 ms over 500ms')).toMatchObject({ metric: 'p99', operator: '>=', threshold: 800, windowMs: 500 });
  });

  it('needs a unit on latencies and whole numbers on counts', () => {
    expect(parseCondition('p99 > 100')).toBe('p99 needs a unit, e.g. "100ms" or "100s"');
    expect(parseCondition('consecutiveFailures >= 3')).toMatchObject({ threshold: 3 });
    expect(parseCondition('failures > 2.5')).toBe('failures needs a whole number, got "2.5"');
    expect(parseCondition('failureRate > 150%')).toMatch(/needs a percentage \(5%\) or a fraction between 0 and 1/);
  });

  it('suggests the metric that was meant', () => {
    expect(parseCondition('failureRat > 5%')).toMatch(/^unknown metric "failureRat" \(did you mean "failureRate"\?\)/);
    expect(parseCondition('5% < failureRate')).toMatch(/^expected "<metric> <operator> <value> \[over <window>\]"/);
  });

  it('never trips without a measurement', () => {
    const condition = parseCondition('failureRate > 5%');
    if (typeof condition === 'string') throw new Error(condition);
    expect(conditionHolds(condition, null)).toBe(false);
    expect(conditionHolds(condition, 0.05)).toBe(false);
    expect(conditionHolds(condition, 0.06)).toBe(true);
  });
});
