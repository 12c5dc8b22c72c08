import { z } from 'zod';
import { httpMatchParams, matchOf } from '../support/http-match.js';
import { toxicFault } from '../support/proxy-toxic.js';

const params = z.strictObject({
  status: z.number().int().min(100).max(599).default(503).describe('status of the answer the proxy gives instead of the service'),
  percent: z.number().min(0).max(100).default(100).describe('share of matching requests answered that way'),
  body: z.string().optional().describe('body of that answer'),
  ...httpMatchParams,
});

export const httpAbort = toxicFault({
  name: 'http-abort',
  summary: 'Answer a share of HTTP/1.1 requests on a link with an error status, without forwarding them.',
  params,
  toxic: (p: z.output<typeof params>) => ({
    stream: 'upstream',
    toxicity: 1,
    attributes: {
      type: 'http-abort',
      status: p.status,
      percent: p.percent,
      match: matchOf(p),
      ...(p.body !== undefined ? { body: p.body } : {}),
    },
  }),
});
