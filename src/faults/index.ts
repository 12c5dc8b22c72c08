import type { AnyFaultType } from '../engine/fault.js';
import { cpuStress } from './cpu-stress.js';
import { diskFill } from './disk-fill.js';
import { memoryPressure } from './memory-pressure.js';
import { processKill } from './process-kill.js';
import { processPause } from './process-pause.js';
import { processRestart } from './process-restart.js';

/** Every fault type by name. Parameter schemas export to JSON Schema with `io: 'input'`. */
export const faultTypes: ReadonlyMap<string, AnyFaultType> = new Map<string, AnyFaultType>(
  [processKill, processPause, processRestart, cpuStress, memoryPressure, diskFill].map((type) => [type.name, type]),
);
