import { formatValue, jsonEqual, textOf, typeName } from './json-value.js';

/** One compiled matcher keyword; `<`, `<=`, `>`, `>=` are already normalised to lt/lte/gt/gte. */
export type Matcher =
  | { readonly op: 'equals'; readonly value: unknown }
  | { readonly op: 'oneOf'; readonly values: readonly unknown[] }
  | { readonly op: 'lt' | 'lte' | 'gt' | 'gte'; readonly bound: number }
  | { readonly op: 'between'; readonly low: number; readonly high: number }
  | { readonly op: 'regex'; readonly regex: RegExp };

export type ComparatorOp = 'lt' | 'lte' | 'gt' | 'gte';

const SYMBOL: Record<ComparatorOp, string> = { lt: '<', lte: '≤', gt: '>', gte: '≥' };

const HOLDS: Record<ComparatorOp, (value: number, bound: number) => boolean> = {
  lt: (value, bound) => value < bound,
  lte: (value, bound) => value <= bound,
  gt: (value, bound) => value > bound,
  gte: (value, bound) => value >= bound,
};

/** What the check requires, for dry runs: `status between 200 and 399`. */
export function describeMatcher(subject: string, matcher: Matcher): string {
  switch (matcher.op) {
    case 'equals':
      return `${subject} is ${formatValue(matcher.value)}`;
    case 'oneOf':
      return `${subject} is one of ${matcher.values.map(formatValue).join(', ')}`;
    case 'between':
      return `${subject} between ${matcher.low} and ${matcher.high}`;
    case 'regex':
      return `${subject} matches ${String(matcher.regex)}`;
    default:
      return `${subject} ${SYMBOL[matcher.op]} ${matcher.bound}`;
  }
}

export interface MatchResult {
  readonly ok: boolean;
  /** `status 503 is not between 200 and 399`, or when met `latencyMs 12 ≤ 300`. */
  readonly text: string;
}

/** Applies one matcher to a value that is present (missing values never reach here). */
export function applyMatcher(subject: string, matcher: Matcher, value: unknown): MatchResult {
  const shown = `${subject} ${formatValue(value)}`;
  switch (matcher.op) {
    case 'equals': {
      if (jsonEqual(value, matcher.value)) return { ok: true, text: shown };
      return { ok: false, text: `${shown} is not ${formatValue(matcher.value)}${typeHint(value, matcher.value)}` };
    }
    case 'oneOf': {
      if (matcher.values.some((candidate) => jsonEqual(value, candidate))) return { ok: true, text: shown };
      return { ok: false, text: `${shown} is not one of ${matcher.values.map(formatValue).join(', ')}` };
    }
    case 'regex': {
      if (matcher.regex.test(textOf(value))) return { ok: true, text: `${subject} matches ${String(matcher.regex)}` };
      return { ok: false, text: `${shown} does not match ${String(matcher.regex)}` };
    }
    case 'between': {
      if (!isFiniteNumber(value)) return { ok: false, text: notANumber(shown, value) };
      const ok = value >= matcher.low && value <= matcher.high;
      return { ok, text: `${shown} is ${ok ? '' : 'not '}between ${matcher.low} and ${matcher.high}` };
    }
    default: {
      if (!isFiniteNumber(value)) return { ok: false, text: notANumber(shown, value) };
      const ok = HOLDS[matcher.op](value, matcher.bound);
      return { ok, text: `${shown} ${ok ? '' : 'is not '}${SYMBOL[matcher.op]} ${matcher.bound}` };
    }
  }
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function notANumber(shown: string, value: unknown): string {
  return value === null ? `${shown} has no value (no data)` : `${shown} is not a number`;
}

/** Explains the one surprising inequality: same text, different JSON types (`200` vs `"200"`). */
function typeHint(value: unknown, expected: unknown): string {
  const sameText = typeName(value) !== typeName(expected) && textOf(value) === textOf(expected);
  return sameText ? ` (${typeName(value)} vs ${typeName(expected)})` : '';
}
