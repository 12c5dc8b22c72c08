import { z } from 'zod';
import { durationMs } from '../support/params.js';
import { streamParam, toxicFault, toxicityParam } from '../support/proxy-toxic.js';

const params = z.strictObject({
  averageSize: z.number().int().positive().default(64).describe('average slice size in bytes'),
  sizeVariation: z.number().int().nonnegative().default(32).describe('± bytes around the average'),
  delay: durationMs().default(1).describe('pause between slices'),
  stream: streamParam('downstream'),
  toxicity: toxicityParam,
});

export const proxySlicer = toxicFault({
  name: 'proxy-slicer',
  summary: 'Cut data on a link into small slices with a pause between them.',
  params,
  toxic: (p: z.output<typeof params>) => ({
    stream: p.stream,
    toxicity: p.toxicity,
    attributes: { type: 'slicer', averageSize: p.averageSize, sizeVariation: p.sizeVariation, delayUs: p.delay * 1000 },
  }),
});
