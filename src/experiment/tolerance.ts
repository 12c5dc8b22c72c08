import { errorMessage } from '../errors.js';
import { MATCHER_KEYWORDS, matcherObjectSchema } from './tolerance-schema.js';
import type { MatcherKeyword, ToleranceSpec } from './tolerance-schema.js';
import { didYouMean } from '../util/suggest.js';
import { evaluateJsonPath, parseJsonPath } from './json-path.js';
import type { JsonPath } from './json-path.js';
import { applyMatcher, describeMatcher } from './tolerance-matcher.js';
import type { ComparatorOp, Matcher, MatchResult } from './tolerance-matcher.js';

export type { Matcher } from './tolerance-matcher.js';

/*
 * Judging rules (user docs copy these):
 *
 * - Every check of a tolerance must hold. A matcher with several keywords
 *   (`{ gte: 200, lt: 300 }`) is one check per keyword.
 * - A field that is missing from the output, or a jsonPath that leads nowhere, is not met:
 *   "field status missing", "jsonPath $.db.status missing".
 * - equals (and a bare value) is deep equality on JSON values, with no type conversion:
 *   200 equals 200.0 but never "200"; true never equals "true"; objects compare key by key
 *   in any order, arrays element by element.
 * - oneOf (and a bare list) holds when the value deep-equals any of the listed values.
 * - lt, lte, gt, gte (also written <, <=, >, >=) and between need a finite number; between is
 *   inclusive at both ends. Anything else (a string such as "12", null, a missing field) is
 *   not met, with the reason: "latencyMs \"12\" is not a number". An availability window with
 *   no samples yet reports null rates: "successRate null has no value (no data)".
 * - regex tests the value as text — strings as they are, any other value JSON-encoded (200 is
 *   "200", {"a":1} is '{"a":1}') — with JavaScript regular-expression syntax, no flags, and
 *   unanchored: "ok" matches "all ok"; write "^ok$" for an exact match.
 * - jsonPath paths (see json-path.ts for the subset) are evaluated against the output's `json`
 *   when present, else against `body` parsed as JSON, else `stdout` parsed as JSON. `$` alone
 *   is the whole document, so `jsonPath: { $: { gte: 3 } }` judges a command printing "3".
 * - A probe that threw (connection refused, command not found) is not met; its message is
 *   kept: "probe failed: connect ECONNREFUSED 127.0.0.1:8080".
 */

/** What a probe observed (the engine's ProbeOutput): plain JSON fields. */
type Observed = Readonly<Record<string, unknown>>;

export type CheckSubject = { readonly field: string } | { readonly jsonPath: JsonPath };

export interface ToleranceCheck {
  readonly subject: CheckSubject;
  readonly matcher: Matcher;
  /** What is required, in words: `status between 200 and 399`. For dry runs and docs. */
  readonly label: string;
}

export interface ToleranceProblem {
  /** Relative to the tolerance: `['latncyMs']`, `['jsonPath', '$.a[']`, `['status', 'between']`. */
  readonly path: (string | number)[];
  readonly message: string;
}

export interface CompiledTolerance {
  readonly checks: ToleranceCheck[];
  readonly problems: ToleranceProblem[];
}

export interface ProbeFields {
  readonly defaultField: string;
  readonly fields: readonly string[];
}

export interface Judgement {
  readonly met: boolean;
  /** One line for the terminal and journal: every check when met, the failures otherwise. */
  readonly detail: string;
  readonly failures: string[];
}

/** Fields a jsonPath can read from; a probe with none of them cannot take a jsonPath. */
const JSON_SOURCES = ['json', 'body', 'stdout'] as const;
const KEYWORDS: ReadonlySet<string> = new Set(MATCHER_KEYWORDS);
const NORMALISED: Partial<Record<MatcherKeyword, ComparatorOp>> = { '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };

/**
 * Turns a tolerance (already shape-checked by toleranceSchema) into checks for one probe type,
 * reporting every problem at once so `validate` can show them all.
 *
 * @example compileTolerance({ status: 200, latencyMs: { '<': 300 } }, httpProbe)
 */
export function compileTolerance(spec: ToleranceSpec, probe: ProbeFields): CompiledTolerance {
  const out: CompiledTolerance = { checks: [], problems: [] };
  const field = { field: probe.defaultField };
  if (Array.isArray(spec)) {
    out.checks.push(check(field, { op: 'oneOf', values: spec }));
  } else if (typeof spec !== 'object' || spec === null) {
    out.checks.push(check(field, { op: 'equals', value: spec }));
  } else {
    const keys = Object.keys(spec);
    if (keys.length === 0) out.problems.push({ path: [], message: 'a tolerance needs at least one check' });
    else if (keys.every((key) => KEYWORDS.has(key))) compileMatcher(field, spec, [], out);
    else for (const key of keys) compileEntry(key, (spec as Record<string, unknown>)[key], probe, out);
  }
  return out;
}

function compileEntry(key: string, value: unknown, probe: ProbeFields, out: CompiledTolerance): void {
  if (key === 'jsonPath') {
    if (!probe.fields.some((name) => (JSON_SOURCES as readonly string[]).includes(name))) {
      out.problems.push({ path: [key], message: 'this probe has no JSON output (json, body or stdout) for jsonPath to read' });
    } else compileJsonPaths(value, out);
  } else if (KEYWORDS.has(key)) {
    const example = `${probe.defaultField}: { ${key}: … }`;
    out.problems.push({
      path: [key],
      message: `"${key}" is a matcher but this tolerance also names fields; put it under a field, e.g. ${example}`,
    });
  } else if (!probe.fields.includes(key)) {
    const message = `unknown field "${key}"${didYouMean(key, probe.fields)}; fields are ${probe.fields.join(', ')}`;
    out.problems.push({ path: [key], message });
  } else compileMatcher({ field: key }, value, [key], out);
}

function compileJsonPaths(value: unknown, out: CompiledTolerance): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    out.problems.push({ path: ['jsonPath'], message: 'jsonPath needs paths with matchers, e.g. { $.db.status: up }' });
    return;
  }
  for (const [source, matcher] of Object.entries(value)) {
    try {
      compileMatcher({ jsonPath: parseJsonPath(source) }, matcher, ['jsonPath', source], out);
    } catch (error) {
      out.problems.push({ path: ['jsonPath', source], message: errorMessage(error) });
    }
  }
}

function compileMatcher(subject: CheckSubject, spec: unknown, path: (string | number)[], out: CompiledTolerance): void {
  if (typeof spec !== 'object' || spec === null) {
    out.checks.push(check(subject, { op: 'equals', value: spec }));
    return;
  }
  if (Array.isArray(spec)) {
    out.problems.push({ path, message: 'a list is a tolerance of its own; for one field write { oneOf: [...] }' });
    return;
  }
  const unknown = Object.keys(spec).filter((key) => !KEYWORDS.has(key));
  for (const key of unknown) {
    const message = `unknown matcher "${key}"${didYouMean(key, MATCHER_KEYWORDS)}; matchers are ${MATCHER_KEYWORDS.join(', ')}`;
    out.problems.push({ path: [...path, key], message });
  }
  if (unknown.length > 0) return;
  const parsed = matcherObjectSchema.safeParse(spec);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) out.problems.push({ path: [...path, ...issue.path.map(pathKey)], message: issue.message });
    return;
  }
  for (const [keyword, value] of Object.entries(spec) as [MatcherKeyword, unknown][]) {
    out.checks.push(check(subject, toMatcher(keyword, value)));
  }
}

function toMatcher(keyword: MatcherKeyword, value: unknown): Matcher {
  switch (keyword) {
    case 'equals':
      return { op: 'equals', value };
    case 'oneOf':
      return { op: 'oneOf', values: value as unknown[] };
    case 'between': {
      const [low, high] = value as [number, number];
      return { op: 'between', low, high };
    }
    case 'regex':
      return { op: 'regex', regex: new RegExp(value as string) };
    default:
      return { op: NORMALISED[keyword] ?? (keyword as ComparatorOp), bound: value as number };
  }
}

function pathKey(key: PropertyKey): string | number {
  return typeof key === 'number' ? key : String(key);
}

function subjectName(subject: CheckSubject): string {
  return 'field' in subject ? subject.field : subject.jsonPath.source;
}

function check(subject: CheckSubject, matcher: Matcher): ToleranceCheck {
  return { subject, matcher, label: describeMatcher(subjectName(subject), matcher) };
}

/** Judges a probe's output against every check (rules in the comment block above). */
export function judge(checks: readonly ToleranceCheck[], output: Observed): Judgement {
  const passed: string[] = [];
  const failures: string[] = [];
  let document: { value?: unknown; reason?: string } | undefined;
  for (const { subject, matcher } of checks) {
    let result: MatchResult;
    if ('field' in subject) {
      const value = output[subject.field];
      result = value === undefined ? { ok: false, text: `field ${subject.field} missing` } : applyMatcher(subject.field, matcher, value);
    } else {
      document ??= jsonDocument(output);
      const name = subject.jsonPath.source;
      const found = document.reason === undefined ? evaluateJsonPath(subject.jsonPath, document.value) : undefined;
      if (!found) result = { ok: false, text: `jsonPath ${name}: ${document.reason}` };
      else if (!found.found) result = { ok: false, text: `jsonPath ${name} missing` };
      else result = applyMatcher(name, matcher, found.value);
    }
    (result.ok ? passed : failures).push(result.text);
  }
  const met = failures.length === 0;
  return { met, detail: met ? passed.join(', ') || 'no checks' : failures.join('; '), failures };
}

/** A probe that threw is not met; its message is the verdict's detail. */
export function judgeError(error: unknown): Judgement {
  const message = errorMessage(error);
  return { met: false, detail: `probe failed: ${message}`, failures: [message] };
}

function jsonDocument(output: Observed): { value?: unknown; reason?: string } {
  if (output.json !== undefined) return { value: output.json };
  for (const source of ['body', 'stdout'] as const) {
    const text = output[source];
    if (typeof text !== 'string') continue;
    try {
      return { value: JSON.parse(text) as unknown };
    } catch {
      return { reason: `${source} is not valid JSON` };
    }
  }
  return { reason: 'the output has no JSON' };
}
