import { z } from 'zod';
import { durationMs } from '../support/params.js';
import { httpMatchParams, matchOf } from '../support/http-match.js';
import { toxicFault } from '../support/proxy-toxic.js';

const params = z.strictObject({
  delay: durationMs().describe('how long matching requests are held before they are forwarded'),
  percent: z.number().min(0).max(100).default(100).describe('share of matching requests delayed'),
  ...httpMatchParams,
});

export const httpDelay = toxicFault({
  name: 'http-delay',
  summary: 'Hold a share of HTTP/1.1 requests on a link for a while before forwarding them.',
  params,
  toxic: (p: z.output<typeof params>) => ({
    stream: 'upstream',
    toxicity: 1,
    attributes: { type: 'http-delay', delayMs: p.delay, percent: p.percent, match: matchOf(p) },
  }),
});
