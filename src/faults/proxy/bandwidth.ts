import { z } from 'zod';
import { streamParam, toxicFault, toxicityParam } from '../support/proxy-toxic.js';

const params = z.strictObject({
  rate: z.number().positive().describe('KB/s allowed through'),
  stream: streamParam('downstream'),
  toxicity: toxicityParam,
});

export const proxyBandwidth = toxicFault({
  name: 'proxy-bandwidth',
  summary: 'Limit the bandwidth of a link to a rate in KB/s.',
  params,
  toxic: (p: z.output<typeof params>) => ({ stream: p.stream, toxicity: p.toxicity, attributes: { type: 'bandwidth', rateKBps: p.rate } }),
});
