import { z } from 'zod';
import { byteSize } from '../support/params.js';
import { streamParam, toxicFault, toxicityParam } from '../support/proxy-toxic.js';

const params = z.strictObject({
  bytes: byteSize().describe('close the connection once this much has passed (bytes, or 64KiB)'),
  stream: streamParam('downstream'),
  toxicity: toxicityParam,
});

export const proxyLimitData = toxicFault({
  name: 'proxy-limit-data',
  summary: 'Close connections on a link after a number of bytes.',
  params,
  toxic: (p: z.output<typeof params>) => ({ stream: p.stream, toxicity: p.toxicity, attributes: { type: 'limit-data', bytes: p.bytes } }),
});
