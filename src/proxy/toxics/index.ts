import type { ToxicType } from '../api.js';
import { bandwidth } from './bandwidth.js';
import { blackhole } from './blackhole.js';
import { httpAbort } from './http-abort.js';
import { httpDelay } from './http-delay.js';
import { latency } from './latency.js';
import { limitData } from './limit-data.js';
import { noop } from './noop.js';
import { reset } from './reset.js';
import { slicer } from './slicer.js';
import { slowClose } from './slow-close.js';
import type { ToxicDefinition } from './toxic.js';

/** Every toxic type, by name. `satisfies` keeps it in step with the contract's ToxicType. */
export const toxicDefinitions = {
  latency,
  bandwidth,
  blackhole,
  reset,
  slicer,
  'limit-data': limitData,
  'slow-close': slowClose,
  'http-abort': httpAbort,
  'http-delay': httpDelay,
  noop,
} as const satisfies Record<ToxicType, ToxicDefinition>;

export const toxicTypes = Object.keys(toxicDefinitions) as ToxicType[];

export function toxicDefinition(type: ToxicType): ToxicDefinition {
  return toxicDefinitions[type];
}
