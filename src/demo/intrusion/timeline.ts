import type { FaultRecord } from '../../engine/journal.js';
import type { StepMeasures, Timing } from '../../gamedays/measures.js';
import { faultTypes } from '../../faults/index.js';
import { isTechnique } from '../../techniques/technique.js';

/** One step of the intrusion as the review and the terminal show it: times from its detonation. */
export interface IntrusionStepResult {
  readonly step: string;
  readonly technique: string;
  readonly attackId: string;
  readonly verdict?: string;
  readonly expectations: readonly { readonly name: string; readonly status: string }[];
  /** Time to detect: the team's first signal (its "detected"), from the step's injection. */
  readonly ttd: Timing;
  /**
   * Time to contain as Firedrill measured it: the technique's own check on its host (every
   * technique of the step found contained), else the step's containment probe; never a declaration.
   */
  readonly ttc: { readonly ms?: number; readonly by?: string };
  /** Every technique the step detonated was found contained. */
  readonly contained: boolean;
}

/** The attack as it unfolded: offsets from the launch of the game day. */
export interface TimelineRow {
  readonly step: string;
  readonly technique: string;
  readonly attackId: string;
  readonly target: string;
  readonly detonatedMs?: number;
  readonly detectedMs?: number;
  readonly containedMs?: number;
}

export function attackIdOf(technique: string): string {
  const type = faultTypes.get(technique);
  return type && isTechnique(type) ? type.attack.id : '?';
}

export function stepResults(
  measures: readonly StepMeasures[],
  faults: ReadonlyMap<string, readonly FaultRecord[]>,
  techniques: ReadonlyMap<string, string>,
): IntrusionStepResult[] {
  return measures.map((m) => {
    const team = m.teams[0];
    const own = faults.get(m.step) ?? [];
    const measured = techniqueContainedAt(own);
    const technique = techniques.get(m.step) ?? own[0]?.type ?? '?';
    const byProbe = team?.timings.contain.by === 'containment probe' ? team.timings.contain.ms : undefined;
    const ttc =
      measured !== undefined && m.injectedAt !== undefined
        ? { ms: Math.max(0, measured - m.injectedAt), by: `the ${technique} check on its host` }
        : byProbe !== undefined
          ? { ms: byProbe, by: 'the containment probe' }
          : {};
    return {
      step: m.step,
      technique,
      attackId: attackIdOf(technique),
      ...(m.verdict !== undefined && { verdict: m.verdict }),
      expectations: m.expectations.map((e) => ({ name: e.name, status: e.status })),
      ttd: team?.timings.detect ?? {},
      ttc,
      contained: ttc.ms !== undefined,
    };
  });
}

export function timeline(
  launchedAt: number,
  measures: readonly StepMeasures[],
  results: readonly IntrusionStepResult[],
  faults: ReadonlyMap<string, readonly FaultRecord[]>,
): TimelineRow[] {
  return measures.flatMap((m, i) => {
    const result = results[i];
    const offset = (at: number | undefined) => (at === undefined ? undefined : at - launchedAt);
    const plus = (ms: number | undefined) => (ms === undefined || m.injectedAt === undefined ? undefined : m.injectedAt + ms);
    return (faults.get(m.step) ?? []).map((fault) => {
      const detonated = offset(fault.injectedAt ? Date.parse(fault.injectedAt) : undefined);
      const contained = fault.containedAt ? offset(Date.parse(fault.containedAt)) : offset(plus(result?.ttc.ms));
      const detected = offset(plus(result?.ttd.ms));
      return {
        step: m.step,
        technique: fault.type,
        attackId: attackIdOf(fault.type),
        target: fault.target.kind === 'host' ? fault.target.name : fault.target.kind,
        ...(detonated !== undefined && { detonatedMs: detonated }),
        ...(detected !== undefined && { detectedMs: detected }),
        ...(contained !== undefined && { containedMs: contained }),
      };
    });
  });
}

/** When the last of the step's techniques was found contained; undefined unless all were. */
function techniqueContainedAt(faults: readonly FaultRecord[]): number | undefined {
  if (faults.length === 0 || faults.some((f) => f.containedAt === undefined)) return undefined;
  return Math.max(...faults.map((f) => Date.parse(f.containedAt ?? '')));
}
