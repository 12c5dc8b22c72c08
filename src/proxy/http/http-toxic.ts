import type { z } from 'zod';
import type { ToxicAttributes } from '../api.js';
import type { HttpToxicDefinition } from '../toxics/toxic.js';
import { Exchange } from './exchange.js';
import type { Head } from './head.js';
import { RequestSide } from './requests.js';
import { ResponseSide } from './responses.js';
import type { HttpAction } from './rule.js';

/**
 * Builds an HTTP toxic from what it does to one request; framing, request order and keep-alive
 * are handled here once for every HTTP toxic.
 */
export function httpToxic<A extends ToxicAttributes>(
  type: A['type'],
  schema: z.ZodType<A>,
  decide: (attributes: A, head: Head) => HttpAction,
): HttpToxicDefinition<A> {
  return {
    type,
    kind: 'http',
    schema,
    create(attributes, requests, responses) {
      const exchange = new Exchange();
      return {
        requests: new RequestSide(exchange, attributes, decide, requests),
        responses: new ResponseSide(exchange, responses),
      };
    },
  };
}
