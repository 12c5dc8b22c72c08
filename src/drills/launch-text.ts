import { stringify } from 'yaml';
import { FiredrillError } from '../errors.js';
import type { DrillInfo } from '../store/drills.js';
import type { Store } from '../store/store.js';
import { monkeyExperiment } from './kinds/monkey.js';
import type { DrillSpec } from './spec.js';

/**
 * The experiment a launch runs: the stored one the drill names (its latest version), or the
 * monkey's, made for this launch (within its target `group`, for a monkey with `groupBy`).
 */
export async function experimentOf(
  store: Store,
  drill: DrillInfo,
  spec: DrillSpec,
  group?: string,
): Promise<{ name: string; yaml: string }> {
  if (spec.monkey) return { name: `${drill.name}.yaml`, yaml: stringify(monkeyExperiment(spec.monkey, drill.title, group)) };
  if (spec.gameday) return { name: spec.gameday, yaml: '' }; // the runner launches the stored game day of that name
  const name = spec.experiment ?? '';
  const experiment = await store.experiments.findByName(name);
  if (!experiment) throw new FiredrillError('FD_NOT_FOUND', `drill ${drill.name} runs experiment ${name}, which is not stored (any more)`);
  const [latest] = await store.experiments.versions(experiment.id, experiment.version);
  return { name: `${name}.yaml`, yaml: latest?.yaml ?? '' };
}
