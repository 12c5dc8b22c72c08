import type { DrillInfo } from '../store/drills.js';
import type { DrillSpec } from './spec.js';

export interface DrillDebt {
  readonly drill: DrillInfo;
  /** When it last launched, or null: never. */
  readonly lastLaunchedAt: number | null;
  /** How long past its expected period it is, in ms. */
  readonly overdueMs: number;
}

/**
 * Drill debt: the enabled drills with an `expectedEvery` that did not launch within it (counted
 * from their last launch, or from when they were made). Oldest debt first.
 */
export function drillDebt(drills: readonly DrillInfo[], lastLaunched: ReadonlyMap<string, number>, now: number): DrillDebt[] {
  return drills
    .flatMap((drill) => {
      const every = (drill.spec as DrillSpec).expectedEvery;
      if (!drill.enabled || every === undefined) return [];
      const last = lastLaunched.get(drill.id) ?? null;
      const overdueMs = now - (last ?? drill.createdAt) - every;
      return overdueMs > 0 ? [{ drill, lastLaunchedAt: last, overdueMs }] : [];
    })
    .sort((a, b) => b.overdueMs - a.overdueMs);
}
