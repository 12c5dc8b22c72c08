import { PreparedProbe, lookupProbe } from '../engine/activities.js';
import type { ProbeActivity } from '../experiment/schema.js';
import { probeTypes } from '../probes/index.js';

/** How long the outage checker may take before its silence counts as "not all clear". */
const CHECK_TIMEOUT_MS = 10_000;

/**
 * Asks the drill's outage checker (a probe: a status page, the incident tool's API) whether all
 * is clear. Why not, or undefined when its tolerance is met. A checker that fails to answer
 * (refused, timed out) holds the drill back too: when in doubt, nothing is broken on purpose.
 */
export async function outageRefusal(checker: ProbeActivity): Promise<string | undefined> {
  const probe = new PreparedProbe(
    { name: checker.name ?? 'outage-checker', type: checker.probe, params: checker.params, tolerance: checker.tolerance },
    lookupProbe(probeTypes, checker.probe),
  );
  const result = await probe.run(AbortSignal.timeout(CHECK_TIMEOUT_MS));
  return result.met ? undefined : `the outage checker (${checker.probe}) does not say all clear: ${result.detail}`;
}
