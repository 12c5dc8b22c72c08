import { z } from 'zod';
import { httpToxic } from '../http/http-toxic.js';
import { PASS, chance, matches } from '../http/rule.js';
import { httpMatch, percent } from './fields.js';
import type { AttributesOf } from './toxic.js';

type Attributes = AttributesOf<'http-abort'>;

const schema = z.strictObject({
  type: z.literal('http-abort'),
  status: z
    .number({ error: 'must be an HTTP status code' })
    .int({ error: 'must be an HTTP status code' })
    .min(200, { error: 'must be a final status code, 200 to 599' })
    .max(599, { error: 'must be a final status code, 200 to 599' }),
  percent: percent().default(100),
  match: httpMatch(),
  body: z.string().max(65_536, { error: 'must be at most 64 KiB' }).optional(),
});

/** Answers `percent` % of the matching requests itself with `status`; they never reach the upstream. */
export const httpAbort = httpToxic<Attributes>('http-abort', schema, (attributes, head) =>
  matches(attributes.match, head) && chance(attributes.percent)
    ? { kind: 'abort', status: attributes.status, body: attributes.body ?? '' }
    : PASS,
);
