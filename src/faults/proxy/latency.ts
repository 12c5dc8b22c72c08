import { z } from 'zod';
import { durationMs } from '../support/params.js';
import { streamParam, toxicFault, toxicityParam } from '../support/proxy-toxic.js';

const params = z.strictObject({
  latency: durationMs().describe('added to every chunk of data (ms or 200ms, 1s)'),
  jitter: durationMs().default(0).describe('random ± around the latency'),
  stream: streamParam('downstream'),
  toxicity: toxicityParam,
});

export const proxyLatency = toxicFault({
  name: 'proxy-latency',
  summary: 'Delay data through a fault proxy by a latency ± jitter.',
  params,
  toxic: (p: z.output<typeof params>) => ({
    stream: p.stream,
    toxicity: p.toxicity,
    attributes: { type: 'latency', latencyMs: p.latency, jitterMs: p.jitter },
  }),
});
