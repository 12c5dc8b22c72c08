import { z } from 'zod';
import { durationMs } from '../support/params.js';
import { streamParam, toxicFault, toxicityParam } from '../support/proxy-toxic.js';

const params = z.strictObject({
  delay: durationMs().default(0).describe('reset connections this long after the fault meets them'),
  stream: streamParam('both'),
  toxicity: toxicityParam,
});

export const proxyReset = toxicFault({
  name: 'proxy-reset',
  summary: 'Reset connections on a link (TCP RST), optionally after a delay.',
  params,
  toxic: (p: z.output<typeof params>) => ({ stream: p.stream, toxicity: p.toxicity, attributes: { type: 'reset', delayMs: p.delay } }),
});
