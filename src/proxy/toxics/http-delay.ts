import { z } from 'zod';
import { httpToxic } from '../http/http-toxic.js';
import { PASS, chance, matches } from '../http/rule.js';
import { httpMatch, milliseconds, percent } from './fields.js';
import type { AttributesOf } from './toxic.js';

type Attributes = AttributesOf<'http-delay'>;

const schema = z.strictObject({
  type: z.literal('http-delay'),
  delayMs: milliseconds(),
  percent: percent().default(100),
  match: httpMatch(),
});

/**
 * Holds `percent` % of the matching requests `delayMs` before forwarding them. Requests behind a
 * held one on the same connection wait for it: HTTP/1.1 keeps them in order.
 */
export const httpDelay = httpToxic<Attributes>('http-delay', schema, (attributes, head) =>
  matches(attributes.match, head) && chance(attributes.percent) ? { kind: 'delay', ms: attributes.delayMs } : PASS,
);
