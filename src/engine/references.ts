import { FiredrillError } from '../errors.js';

const REFERENCE = /\$\$\{|\$\{\s*steps\.([^}]*?)\s*\}/g;
const WHOLE = /^\$\{\s*steps\.([^}]*?)\s*\}$/;

export type StepOutputs = ReadonlyMap<string, Readonly<Record<string, unknown>>>;

/**
 * Fills `${steps.NAME.field}` from earlier steps' outputs. A value that is exactly one reference
 * takes the referenced value with its type (a list of pids stays a list); inside longer text a
 * list becomes comma-separated and an object its JSON. `${steps.NAME}` is the whole output.
 */
export function resolveReferences(value: unknown, outputs: StepOutputs): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return lookup(whole[1] as string, outputs);
    return value.replace(REFERENCE, (match, inner: string | undefined) => (inner === undefined ? match : asText(lookup(inner, outputs))));
  }
  if (Array.isArray(value)) return value.map((item) => resolveReferences(item, outputs));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, resolveReferences(child, outputs)]));
  }
  return value;
}

function lookup(reference: string, outputs: StepOutputs): unknown {
  const [step = '', ...fields] = reference.split('.');
  const output = outputs.get(step);
  if (!output)
    throw new FiredrillError('FD_STEP_REFERENCE', `\${steps.${reference}}: step ${step} has no output (it was skipped or failed)`);
  let current: unknown = output;
  for (const [index, field] of fields.entries()) {
    // Own fields only: `${steps.x.constructor}` is not Object's constructor.
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, field)) {
      const at = fields.slice(0, index).join('.');
      const available = current !== null && typeof current === 'object' ? Object.keys(current).join(', ') : 'none';
      throw new FiredrillError(
        'FD_STEP_REFERENCE',
        `\${steps.${reference}}: no field "${field}" in the output of step ${step}${at ? `.${at}` : ''} (fields: ${available})`,
      );
    }
    current = (current as Record<string, unknown>)[field];
  }
  return current;
}

function asText(value: unknown): string {
  if (Array.isArray(value)) return value.map(asText).join(',');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * One output for a fault step that hit several targets: each field becomes a list with the
 * entries of every target, lists concatenated (`pids: [101]` + `pids: [102]` → `[101, 102]`).
 */
export function mergeOutputs(outputs: readonly Readonly<Record<string, unknown>>[]): Record<string, unknown[]> {
  const merged = new Map<string, unknown[]>();
  for (const output of outputs) {
    for (const [key, value] of Object.entries(output)) {
      const list = merged.get(key) ?? [];
      list.push(...(Array.isArray(value) ? (value as unknown[]) : [value]));
      merged.set(key, list);
    }
  }
  return Object.fromEntries(merged);
}
