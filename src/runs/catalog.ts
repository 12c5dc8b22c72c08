import type { AnyFaultType } from '../engine/fault.js';
import type { AnyProbeType } from '../engine/probe.js';

/** The built-in fault and probe types: what the loader checks against and the engine runs. */
export interface RunCatalog {
  readonly faults: ReadonlyMap<string, AnyFaultType>;
  readonly probes: ReadonlyMap<string, AnyProbeType>;
}

/** Loaded only by the commands that need them. */
export async function loadCatalog(): Promise<RunCatalog> {
  const [{ faultTypes }, { probeTypes }] = await Promise.all([import('../faults/index.js'), import('../probes/index.js')]);
  return { faults: faultTypes, probes: probeTypes };
}
