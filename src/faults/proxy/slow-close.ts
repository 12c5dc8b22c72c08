import { z } from 'zod';
import { durationMs } from '../support/params.js';
import { streamParam, toxicFault, toxicityParam } from '../support/proxy-toxic.js';

const params = z.strictObject({
  delay: durationMs().describe('how long the close of a connection is held back'),
  stream: streamParam('both'),
  toxicity: toxicityParam,
});

export const proxySlowClose = toxicFault({
  name: 'proxy-slow-close',
  summary: 'Hold back the close of connections on a link.',
  params,
  toxic: (p: z.output<typeof params>) => ({ stream: p.stream, toxicity: p.toxicity, attributes: { type: 'slow-close', delayMs: p.delay } }),
});
