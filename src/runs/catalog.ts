import type { Catalog } from '../experiment/check.js';

/** The built-in fault and probe types, loaded only by the commands that need them. */
export async function loadCatalog(): Promise<Catalog> {
  const [{ faultTypes }, { probeTypes }] = await Promise.all([import('../faults/index.js'), import('../probes/index.js')]);
  return { faults: faultTypes, probes: probeTypes };
}
