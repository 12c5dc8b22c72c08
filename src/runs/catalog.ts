import type { AnyFaultType } from '../engine/fault.js';
import type { AnyProbeType } from '../engine/probe.js';
import type { AnyExpectationMatcher } from '../engine/expectation.js';

/** The built-in fault and probe types and expectation matchers: what the loader checks against and the engine runs. */
export interface RunCatalog {
  readonly faults: ReadonlyMap<string, AnyFaultType>;
  readonly probes: ReadonlyMap<string, AnyProbeType>;
  readonly expectations: ReadonlyMap<string, AnyExpectationMatcher>;
}

/** Loaded only by the commands that need them. */
export async function loadCatalog(): Promise<RunCatalog> {
  const [{ faultTypes }, { probeTypes }, { expectationMatchers }] = await Promise.all([
    import('../faults/index.js'),
    import('../probes/index.js'),
    import('../expectations/index.js'),
  ]);
  return { faults: faultTypes, probes: probeTypes, expectations: expectationMatchers };
}
