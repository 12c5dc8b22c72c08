/**
 * Deep equality on JSON values, without coercion: `200` equals `200.0`, never `"200"`; arrays
 * match element by element, objects key by key in any order (a key holding `undefined` counts
 * as absent, as it would after JSON encoding).
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  const left = definedKeys(a);
  const right = definedKeys(b);
  if (left.length !== right.length) return false;
  const record = (value: object, key: string): unknown => (value as Record<string, unknown>)[key];
  return left.every((key) => Object.hasOwn(b, key) && jsonEqual(record(a, key), record(b, key)));
}

function definedKeys(value: object): string[] {
  return Object.keys(value).filter((key) => (value as Record<string, unknown>)[key] !== undefined);
}

const MAX_SHOWN = 60;

/** A value as it appears in a one-line verdict: numbers bare, strings quoted, long text cut. */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

/** The text a regex tolerance tests: strings as they are, anything else JSON-encoded. */
export function textOf(value: unknown): string {
  // JSON.stringify gives undefined only for values JSON cannot hold (functions, symbols).
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}
