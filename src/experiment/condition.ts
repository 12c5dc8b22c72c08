import { z } from 'zod';
import { durationTooLong, looksLikeDuration, parseDuration } from '../util/duration.js';
import { didYouMean } from '../util/suggest.js';

/**
 * Guardrail conditions, written the way people say them: `failureRate > 5%`, `p99 > 1s`,
 * `failure rate > 5 % over 2 s`, `consecutiveFailures >= 3`. Rates take a percentage or a
 * fraction (5% = 0.05), latencies need a unit (800ms, 1s), counts are whole numbers; an
 * optional `over DURATION` sets the window. Metric names ignore spaces and case.
 */
const RATE_METRICS = ['failureRate', 'successRate'] as const;
const LATENCY_METRICS = ['p50', 'p90', 'p95', 'p99', 'maxLatency'] as const;
const COUNT_METRICS = ['failures', 'consecutiveFailures'] as const;
export const CONDITION_METRICS = [...RATE_METRICS, ...LATENCY_METRICS, ...COUNT_METRICS] as const;
export type ConditionMetric = (typeof CONDITION_METRICS)[number];
export type ConditionOperator = '>' | '>=' | '<' | '<=';

export interface GuardrailCondition {
  readonly metric: ConditionMetric;
  readonly operator: ConditionOperator;
  /** A fraction for rates, milliseconds for latencies, a count otherwise. */
  readonly threshold: number;
  /** As written, for messages. */
  readonly text: string;
  /** From `over 2s`, when the condition names its window. */
  readonly windowMs?: number;
}

const CONDITION = /^\s*([A-Za-z][\w ]*?)\s*(>=|<=|>|<)\s*(\d[\d.]*\s*[A-Za-z%]*)\s*(?:over\s+(\d[\d.]*\s*[A-Za-z]*))?\s*$/;

export function parseCondition(text: string): GuardrailCondition | string {
  const match = CONDITION.exec(text);
  if (!match) return `expected "<metric> <operator> <value> [over <window>]", e.g. "failureRate > 5%" or "p99 > 1s over 2s"`;
  const [, metricText, operator, valueText, windowText] = match as unknown as [
    string,
    string,
    ConditionOperator,
    string,
    string | undefined,
  ];
  const wanted = metricText.replace(/\s+/g, '').toLowerCase();
  const metric = CONDITION_METRICS.find((m) => m.toLowerCase() === wanted);
  if (!metric) return `unknown metric "${metricText}"${didYouMean(metricText, CONDITION_METRICS)}; one of ${CONDITION_METRICS.join(', ')}`;
  const threshold = parseThreshold(metric, valueText.replace(/\s+/g, ''));
  if (typeof threshold === 'string') return threshold;
  if (windowText === undefined) return { metric, operator, threshold, text: text.trim() };
  const written = windowText.replace(/\s+/g, '');
  const windowMs = parseDuration(written);
  if (windowMs === 0 || (windowMs === undefined && !looksLikeDuration(written)))
    return `"over ${windowText}" needs a duration such as 2s or 500ms`;
  const tooLong = durationTooLong(windowMs, written);
  if (tooLong !== undefined) return `the window "over ${windowText}" ${tooLong}`;
  return { metric, operator, threshold, text: text.trim(), windowMs: windowMs as number };
}

function parseThreshold(metric: ConditionMetric, value: string): number | string {
  if ((RATE_METRICS as readonly string[]).includes(metric)) {
    const percent = /^(\d+(?:\.\d+)?)%$/.exec(value);
    const rate = percent ? Number(percent[1]) / 100 : /^\d+(?:\.\d+)?$/.test(value) ? Number(value) : NaN;
    if (!(rate >= 0 && rate <= 1)) return `${metric} needs a percentage (5%) or a fraction between 0 and 1, got "${value}"`;
    return rate;
  }
  if ((LATENCY_METRICS as readonly string[]).includes(metric)) {
    if (/^\d+(?:\.\d+)?$/.test(value)) return `${metric} needs a unit, e.g. "${value}ms" or "${value}s"`;
    const ms = parseDuration(value);
    return ms === undefined ? `${metric} needs a latency such as 800ms or 1s, got "${value}"` : ms;
  }
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) return `${metric} needs a whole number, got "${value}"`;
  return Number(value);
}

export const guardrailConditionSchema = z
  .string()
  .describe('"<metric> <operator> <value>" over the window, e.g. "failureRate > 5%" or "p99 > 1s"')
  .transform((text, ctx) => {
    const condition = parseCondition(text);
    if (typeof condition === 'string') {
      ctx.addIssue({ code: 'custom', message: condition });
      return z.NEVER;
    }
    return condition;
  });

/** Whether a measured value trips the condition; no measurement never trips. */
export function conditionHolds(condition: GuardrailCondition, measured: number | null | undefined): boolean {
  if (measured === null || measured === undefined || !Number.isFinite(measured)) return false;
  switch (condition.operator) {
    case '>':
      return measured > condition.threshold;
    case '>=':
      return measured >= condition.threshold;
    case '<':
      return measured < condition.threshold;
    case '<=':
      return measured <= condition.threshold;
  }
}
