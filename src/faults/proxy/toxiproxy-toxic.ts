import { z } from 'zod';
import type { FaultType } from '../../engine/fault.js';
import { revertToxic, verifyToxicGone } from '../support/proxy-toxic.js';

const params = z.strictObject({ toxic: z.string().describe('the toxic, by its id in the proxy') });

/**
 * A toxic put in place through the Toxiproxy-compatible API. It is not offered in experiment
 * files: the agent records such toxics in its ledger under this type so that halt and crash
 * recovery revert them like any fault (the toxic's id is the record's tag).
 */
export const proxyToxic: FaultType<z.output<typeof params>, { proxy: string }> = {
  name: 'proxy-toxic',
  summary: 'A toxic added through the Toxiproxy API (ledger only; not for experiment files).',
  targetKind: 'proxy',
  params,
  reversible: true,
  volatile: true,
  inject: () => Promise.reject(new Error('proxy-toxic faults are recorded by the Toxiproxy API, never injected')),
  revert: revertToxic,
  verify: verifyToxicGone,
};
