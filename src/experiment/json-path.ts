import { UserError } from '../errors.js';

/**
 * The JSONPath subset tolerances accept — enough to reach one value, nothing that selects many:
 *
 *   $                  the whole document
 *   .key               a member of an object (letters, digits, _, $ and -)
 *   ['key'] ["key"]    any member name; \' \" and \\ escape inside the quotes
 *   [n]                an array element; negative n counts from the end ([-1] is the last)
 *   .length            the length of an array or a string (an object's own "length" wins)
 *
 * Examples: `$.db.status`, `$.items[0].id`, `$['content-type']`, `$.items.length`, `$.a[-1]`.
 * Wildcards, recursive descent (..), filters, slices and unions are rejected at load time.
 */
export type JsonPathSegment = { readonly key: string } | { readonly index: number };

export interface JsonPath {
  readonly source: string;
  readonly segments: readonly JsonPathSegment[];
}

export interface JsonPathResult {
  readonly found: boolean;
  /** undefined when not found. */
  readonly value: unknown;
}

export class JsonPathError extends UserError {
  constructor(message: string) {
    super('FD_JSONPATH', message);
  }
}

const NAME_CHAR = /[\p{L}\p{N}_$-]/u;

/** Parses a path of the subset above; throws JsonPathError saying what and where otherwise. */
export function parseJsonPath(source: string): JsonPath {
  const fail = (message: string, at: number): never => {
    throw new JsonPathError(`${message} at character ${at + 1} of JSONPath ${source}`);
  };
  if (!source.startsWith('$')) fail('a JSONPath starts with $ (e.g. $.status)', 0);
  const segments: JsonPathSegment[] = [];
  let i = 1;
  while (i < source.length) {
    const char = source[i];
    if (char === '.') {
      if (source[i + 1] === '.') fail('recursive descent (..) is not supported', i);
      if (source[i + 1] === '*') fail('wildcards (*) are not supported', i + 1);
      let end = i + 1;
      while (end < source.length && NAME_CHAR.test(source[end] as string)) end++;
      if (end === i + 1) fail(`expected a member name after "."; use ['…'] for other characters`, i + 1);
      segments.push({ key: source.slice(i + 1, end) });
      i = end;
    } else if (char === '[') {
      i = parseBracket(source, i, segments, fail);
    } else {
      fail(`unexpected "${char}"; expected "." or "["`, i);
    }
  }
  return { source, segments };
}

function parseBracket(source: string, open: number, segments: JsonPathSegment[], fail: (message: string, at: number) => never): number {
  let i = open + 1;
  const quote = source[i];
  if (quote === "'" || quote === '"') {
    let key = '';
    i++;
    while (i < source.length && source[i] !== quote) {
      if (source[i] === '\\' && i + 1 < source.length) i++;
      key += source[i];
      i++;
    }
    if (i >= source.length) fail(`unclosed ${quote}`, open + 1);
    i++;
    if (source[i] === ',') fail('unions ([a,b]) are not supported', i);
    if (source[i] !== ']') fail('expected "]" after the quoted name', i);
    segments.push({ key });
    return i + 1;
  }
  const close = source.indexOf(']', i);
  if (close < 0) fail('unclosed "["', open);
  const inner = source.slice(i, close).trim();
  if (inner === '*') fail('wildcards ([*]) are not supported', i);
  if (inner.startsWith('?')) fail('filters ([?…]) are not supported', i);
  if (inner.includes(':')) fail('slices ([a:b]) are not supported', i);
  if (inner.includes(',')) fail('unions ([a,b]) are not supported', i);
  if (!/^-?\d+$/.test(inner)) fail(`expected an integer index or a quoted name inside [], got "${inner}"`, i);
  segments.push({ index: Number(inner) });
  return close + 1;
}

/** Follows a path into a JSON value; a string path is parsed first (and may throw). */
export function evaluateJsonPath(path: JsonPath | string, root: unknown): JsonPathResult {
  const parsed = typeof path === 'string' ? parseJsonPath(path) : path;
  let value: unknown = root;
  for (const segment of parsed.segments) {
    const next = step(value, segment);
    if (!next.found) return next;
    value = next.value;
  }
  return { found: true, value };
}

const NOT_FOUND: JsonPathResult = { found: false, value: undefined };

function step(value: unknown, segment: JsonPathSegment): JsonPathResult {
  if ('index' in segment) {
    if (!Array.isArray(value)) return NOT_FOUND;
    const index = segment.index < 0 ? value.length + segment.index : segment.index;
    return index >= 0 && index < value.length ? { found: true, value: value[index] as unknown } : NOT_FOUND;
  }
  if (Array.isArray(value) || typeof value === 'string') {
    return segment.key === 'length' ? { found: true, value: value.length } : NOT_FOUND;
  }
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, segment.key)) {
    return { found: true, value: (value as Record<string, unknown>)[segment.key] };
  }
  return NOT_FOUND;
}
