import type { TargetSet } from '../experiment/schema.js';
import { sample } from '../util/random.js';
import type { Random } from '../util/random.js';
import type { ResolvedTarget } from './target.js';

/**
 * Narrows discovered targets to the blast radius. Candidates are ordered by identity first so
 * that the same seed picks the same targets again (`--seed` replays a run's selection).
 * `count` larger than the candidates takes them all; `percent` rounds up, so it never picks
 * zero of a non-empty set.
 */
export function selectTargets(
  candidates: readonly ResolvedTarget[],
  set: Pick<TargetSet, 'mode' | 'value'>,
  random: Random,
): ResolvedTarget[] {
  const ordered = [...candidates].sort((a, b) => identity(a).localeCompare(identity(b), 'en', { numeric: true }));
  switch (set.mode) {
    case 'all':
      return ordered;
    case 'one':
      return sample(ordered, 1, random);
    case 'count':
      return sample(ordered, set.value ?? 1, random);
    case 'percent':
      return sample(ordered, Math.ceil((ordered.length * (set.value ?? 100)) / 100), random);
  }
}

function identity(target: ResolvedTarget): string {
  return target.kind === 'process' ? `process:${target.pid}` : `host:${target.name}`;
}
