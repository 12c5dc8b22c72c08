import { z } from 'zod';
import { closest } from '../util/suggest.js';
import type { ProxyDefinition, ToxicSpec } from './api.js';
import type { Address } from './address.js';
import { parseAddress } from './address.js';
import type { ProxyErrorCode } from './errors.js';
import { ProxyError } from './errors.js';
import { toxicDefinitions, toxicTypes } from './toxics/index.js';

const spec = z.strictObject({
  id: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(200, { error: 'must be at most 200 characters' }),
  stream: z.enum(['upstream', 'downstream', 'both'], { error: 'must be upstream, downstream or both' }).default('downstream'),
  toxicity: z
    .number({ error: 'must be a probability' })
    .min(0, { error: 'must be between 0 and 1' })
    .max(1, { error: 'must be between 0 and 1' })
    .default(1),
  attributes: z.looseObject({ type: z.string({ error: 'must name a toxic type' }) }, { error: 'must be an object' }),
});

const definition = z.strictObject({
  name: z
    .string({ error: 'must be a string' })
    .min(1, { error: 'must not be empty' })
    .max(200, { error: 'must be at most 200 characters' }),
  listen: z.unknown(),
  upstream: z.unknown(),
  enabled: z.boolean({ error: 'must be true or false' }).optional(),
});

const changes = definition.omit({ name: true }).partial();

function fail(code: ProxyErrorCode, issues: readonly z.core.$ZodIssue[], prefix = ''): never {
  const problems = issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    return keys.map((key) => {
      const path = [prefix, ...issue.path.map(String), key ?? ''].filter(Boolean).join('.');
      const what = issue.code === 'unrecognized_keys' ? 'is not a known attribute' : issue.message;
      const got =
        issue.code !== 'unrecognized_keys' && 'input' in issue && issue.input !== undefined ? ` (got ${JSON.stringify(issue.input)})` : '';
      return { path, text: `${path || 'value'}: ${what}${got}` };
    });
  });
  const flat = problems.flat();
  throw new ProxyError(code, flat.map((p) => p.text).join('; '), { field: flat[0]?.path ?? '' });
}

/** Validates a toxic spec completely (its attributes against its type's schema); fills defaults. */
export function parseToxicSpec(input: unknown): ToxicSpec {
  const base = spec.safeParse(input, { reportInput: true });
  if (!base.success) fail('FD_TOXIC_INVALID', base.error.issues);
  const type = base.data.attributes.type;
  if (!Object.hasOwn(toxicDefinitions, type)) {
    const hint = closest(type, toxicTypes);
    const message = `attributes.type: unknown toxic type ${JSON.stringify(type)}${hint ? ` (did you mean "${hint}"?)` : ''}; expected one of ${toxicTypes.join(', ')}`;
    throw new ProxyError('FD_TOXIC_INVALID', message, { field: 'attributes.type' });
  }
  const schema = toxicDefinitions[type as keyof typeof toxicDefinitions].schema;
  const attributes = schema.safeParse(base.data.attributes, { reportInput: true });
  if (!attributes.success) fail('FD_TOXIC_INVALID', attributes.error.issues, 'attributes');
  return Object.freeze({ ...base.data, attributes: Object.freeze(attributes.data) });
}

export interface ParsedDefinition {
  readonly name: string;
  readonly listen: Address;
  readonly upstream: Address;
  readonly enabled: boolean;
}

export function parseDefinition(input: ProxyDefinition): ParsedDefinition {
  const parsed = definition.safeParse(input, { reportInput: true });
  if (!parsed.success) fail('FD_PROXY_INVALID', parsed.error.issues);
  const { name, listen, upstream, enabled } = parsed.data;
  return { name, listen: parseAddress(listen, 'listen'), upstream: parseAddress(upstream, 'upstream'), enabled: enabled ?? true };
}

export interface ParsedChanges {
  readonly listen?: Address;
  readonly upstream?: Address;
  readonly enabled?: boolean;
}

export function parseChanges(input: Partial<Omit<ProxyDefinition, 'name'>>): ParsedChanges {
  const parsed = changes.safeParse(input, { reportInput: true });
  if (!parsed.success) fail('FD_PROXY_INVALID', parsed.error.issues);
  const { listen, upstream, enabled } = parsed.data;
  return {
    ...(listen !== undefined && { listen: parseAddress(listen, 'listen') }),
    ...(upstream !== undefined && { upstream: parseAddress(upstream, 'upstream') }),
    ...(enabled !== undefined && { enabled }),
  };
}
