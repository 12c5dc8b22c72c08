import type { z } from 'zod';
import type { Problem } from '../errors.js';
import { didYouMean } from '../util/suggest.js';
import type { DocPath, YamlSource } from './yaml-source.js';

type Issue = z.core.$ZodIssue;
type SchemaDef = { type: string; [key: string]: unknown };

/**
 * Turns zod issues into located problems with messages a person can act on: unknown keys get a
 * "did you mean", unions report the branch the input was closest to, enum errors list choices.
 */
export function issuesToProblems(
  issues: readonly Issue[],
  source: YamlSource,
  schema: z.ZodType,
  data: unknown,
  base: DocPath = [],
): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) collect(issue, base, source, schema, data, problems);
  return problems;
}

function collect(issue: Issue, base: DocPath, source: YamlSource, root: z.ZodType, rootData: unknown, out: Problem[]): void {
  const path = [...base, ...(issue.path as (string | number)[])];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(root, path.slice(base.length), rootData);
      for (const key of issue.keys) {
        const hint = didYouMean(key, known) || (known.length > 0 ? ` (known keys: ${known.join(', ')})` : ' (no keys are accepted here)');
        out.push(source.problem(path, `unknown key${hint}`, key));
      }
      return;
    }
    case 'invalid_union': {
      if (issue.errors.length === 0) {
        const options = (issue as { options?: unknown[] }).options;
        const value = valueAt(rootData, path.slice(base.length));
        const choices = (options ?? []).map(String);
        out.push(
          source.problem(
            path,
            `expected one of ${choices.join(', ')}, got ${JSON.stringify(value)}${typeof value === 'string' ? didYouMean(value, choices) : ''}`,
          ),
        );
        return;
      }
      const item = valueAt(rootData, path.slice(base.length));
      if (item === undefined) {
        out.push(source.problem(path, 'is required')); // a required key of several types (a duration)
        return;
      }
      const missing = (inner: Issue) => inner.path.length === 1 && valueAt(item, inner.path as (string | number)[]) === undefined;
      const branch = closestBranch(issue.errors, missing);
      if (!branch) {
        out.push(source.problem(path, describeUnion(issue.errors, missing)));
        return;
      }
      for (const inner of branch) collect({ ...inner, path: [...issue.path, ...inner.path] }, base, source, root, rootData, out);
      return;
    }
    default:
      out.push(source.problem(path, friendlyMessage(issue, valueAt(rootData, path.slice(base.length)))));
  }
}

/** The branch with the fewest complaints; none when every branch rejects the value's type. */
function closestBranch(branches: readonly (readonly Issue[])[], missing: (issue: Issue) => boolean): readonly Issue[] | undefined {
  const scored = branches.map((issues) => ({
    issues,
    score: issues.reduce((sum, issue) => sum + (issue.code === 'unrecognized_keys' ? issue.keys.length : 1), 0),
    rootTypeError: issues.length === 1 && issues[0]?.code === 'invalid_type' && issues[0].path.length === 0,
  }));
  if (scored.every((branch) => branch.rootTypeError)) return undefined;
  scored.sort((a, b) => a.score - b.score);
  const [best, second] = scored;
  // A tie between branches that each only miss their own key: the input named none of them.
  if (best && second && best.score === second.score && best.issues.every(missing) && second.issues.every(missing)) return undefined;
  return best?.issues;
}

function describeUnion(branches: readonly (readonly Issue[])[], missing: (issue: Issue) => boolean): string {
  const keys = branches.flatMap((issues) => (issues.every(missing) ? issues.map((i) => String(i.path[0])) : []));
  if (keys.length > 0) return `needs one of: ${[...new Set(keys)].join(', ')}`;
  const expected = branches.flatMap((issues) => issues.map((i) => (i.code === 'invalid_type' ? i.expected : undefined))).filter(Boolean);
  return `expected ${[...new Set(expected)].join(' or ')}`;
}

function friendlyMessage(issue: Issue, value: unknown): string {
  if (issue.code === 'invalid_type') {
    if (value === undefined) return 'is required';
    return `expected ${issue.expected}, got ${describeValue(value)}`;
  }
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const bound = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
    const got = typeof value === 'number' ? `, got ${value}` : '';
    // z.int() refuses integers too large to be exact (1e308) with the safe-integer bound.
    if (issue.code === 'too_big' && issue.origin === 'int' && bound === Number.MAX_SAFE_INTEGER)
      return `is too large for a whole number${got}`;
    if (issue.origin === 'number' || issue.origin === 'int') {
      const relation =
        issue.code === 'too_small' ? (issue.inclusive ? 'at least' : 'greater than') : issue.inclusive ? 'at most' : 'less than';
      return `must be ${relation} ${bound}${got}`;
    }
    if (issue.origin === 'array')
      return issue.code === 'too_small' ? `needs at least ${bound} item${bound === 1 ? '' : 's'}` : `takes at most ${bound} items`;
    if (issue.origin === 'string')
      return issue.code === 'too_small'
        ? bound === 1
          ? 'must not be empty'
          : `needs at least ${bound} characters`
        : `takes at most ${bound} characters`;
  }
  if (issue.code === 'invalid_value') {
    const choices = issue.values.map((v) => String(v));
    const hint = typeof value === 'string' ? didYouMean(value, choices) : '';
    return `expected ${choices.length === 1 ? choices[0] : `one of ${choices.join(', ')}`}, got ${describeValue(value)}${hint}`;
  }
  return issue.message;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return `${typeof value} ${JSON.stringify(value) ?? typeof value}`;
}

export function valueAt(data: unknown, path: DocPath): unknown {
  let current = data;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

/** Keys the schema accepts for the object at `path`, for "did you mean" hints. */
export function knownKeysAt(schema: z.ZodType, path: DocPath, data: unknown): string[] {
  let def = defOf(schema);
  let value = data;
  for (let i = 0; i <= path.length; i++) {
    def = unwrap(def, value);
    if (i === path.length) break;
    const part = path[i] as string | number;
    if (def.type === 'object') def = defOf((def.shape as Record<string, z.ZodType>)[part as string]);
    else if (def.type === 'array') def = defOf(def.element as z.ZodType);
    else if (def.type === 'record') def = defOf(def.valueType as z.ZodType);
    else return [];
    value = valueAt(value, [part]);
  }
  return def.type === 'object' ? Object.keys(def.shape as object) : [];
}

function unwrap(def: SchemaDef, value: unknown): SchemaDef {
  for (;;) {
    if (['optional', 'default', 'nullable', 'prefault', 'readonly', 'catch'].includes(def.type)) def = defOf(def.innerType as z.ZodType);
    else if (def.type === 'pipe') def = defOf(def.in as z.ZodType);
    else if (def.type === 'lazy') def = defOf((def.getter as () => z.ZodType)());
    else if (def.type === 'union') def = bestOption(def.options as z.ZodType[], value);
    else return def;
  }
}

/** The union option whose keys overlap most with the value's keys. */
function bestOption(options: readonly z.ZodType[], value: unknown): SchemaDef {
  const keys = value && typeof value === 'object' ? Object.keys(value) : [];
  let best = defOf(options[0]);
  let bestScore = -1;
  for (const option of options) {
    const def = unwrap(defOf(option), undefined);
    if (def.type !== 'object') continue;
    const shape = Object.keys(def.shape as object);
    const score = keys.filter((key) => shape.includes(key)).length;
    if (score > bestScore) [best, bestScore] = [def, score];
  }
  return best;
}

function defOf(schema: z.ZodType | undefined): SchemaDef {
  return (schema?._zod.def as SchemaDef | undefined) ?? { type: 'unknown' };
}
