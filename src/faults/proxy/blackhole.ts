import { z } from 'zod';
import { durationMs } from '../support/params.js';
import { streamParam, toxicFault, toxicityParam } from '../support/proxy-toxic.js';

const params = z.strictObject({
  closeAfter: durationMs().optional().describe('close connections after this long; without it they hang'),
  stream: streamParam('both'),
  toxicity: toxicityParam,
});

export const proxyBlackhole = toxicFault({
  name: 'proxy-blackhole',
  summary: 'Drop every byte on a link (connections hang), optionally closing them after a timeout.',
  params,
  toxic: (p: z.output<typeof params>) => ({
    stream: p.stream,
    toxicity: p.toxicity,
    attributes: { type: 'blackhole', ...(p.closeAfter !== undefined ? { closeAfterMs: p.closeAfter } : {}) },
  }),
});
