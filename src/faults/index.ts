import type { AnyFaultType } from '../engine/fault.js';
import { cpuStress } from './cpu-stress.js';
import { diskFill } from './disk-fill.js';
import { memoryPressure } from './memory-pressure.js';
import { processKill } from './process-kill.js';
import { processPause } from './process-pause.js';
import { processRestart } from './process-restart.js';
import { proxyBandwidth } from './proxy/bandwidth.js';
import { proxyBlackhole } from './proxy/blackhole.js';
import { proxyDown } from './proxy/down.js';
import { httpAbort } from './proxy/http-abort.js';
import { httpDelay } from './proxy/http-delay.js';
import { proxyLatency } from './proxy/latency.js';
import { proxyLimitData } from './proxy/limit-data.js';
import { proxyReset } from './proxy/reset.js';
import { proxySlicer } from './proxy/slicer.js';
import { proxySlowClose } from './proxy/slow-close.js';
import { techniques } from '../techniques/index.js';

/** Every fault type by name (the security techniques among them). Parameter schemas export to JSON Schema with `io: 'input'`. */
export const faultTypes: ReadonlyMap<string, AnyFaultType> = new Map<string, AnyFaultType>(
  [
    processKill,
    processPause,
    processRestart,
    cpuStress,
    memoryPressure,
    diskFill,
    proxyLatency,
    proxyBandwidth,
    proxyBlackhole,
    proxyReset,
    proxySlicer,
    proxyLimitData,
    proxySlowClose,
    proxyDown,
    httpAbort,
    httpDelay,
    ...techniques,
  ].map((type) => [type.name, type]),
);
