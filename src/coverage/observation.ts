import type { ExpectationRecord } from '../engine/expectation.js';
import type { FaultRecord } from '../engine/journal.js';
import { techniques } from '../techniques/index.js';
import { isTechnique } from '../techniques/technique.js';
import type { TechniqueInfo } from '../techniques/technique.js';

/**
 * What the defenders did about one detonation of a technique, in one drill (and, in a game day,
 * by one team): seen on time, seen late, not seen, or nobody was watching (no expectation).
 */
export type DetectionOutcome = 'detected' | 'late' | 'missed' | 'not-measured';

/** Where an observation comes from: a run of its own, or a step of a game day (one per team). */
export type ObservationSource =
  | { readonly kind: 'run'; readonly id: string; readonly title: string }
  | { readonly kind: 'gameday'; readonly id: string; readonly title: string; readonly step: string; readonly team: string };

/** One technique detonated once, and what came of it. */
export interface TechniqueObservation {
  /** ATT&CK id, e.g. T1053.003. */
  readonly techniqueId: string;
  /** When it was detonated (ms since the epoch). */
  readonly at: number;
  readonly source: ObservationSource;
  readonly outcome: DetectionOutcome;
  /** From the detonation (or the expectation's clock) to the detection; only when detected or late. */
  readonly ttdMs?: number;
}

/** Fault kind → its ATT&CK description, for every registered technique. */
export const TECHNIQUE_KINDS: ReadonlyMap<string, TechniqueInfo> = new Map(
  techniques.filter(isTechnique).map((type) => [type.name, type.attack]),
);

/** The ATT&CK ids of the techniques a run detonated (a fault of a technique kind that was injected), each once. */
export function detonated(faults: readonly Pick<FaultRecord, 'type' | 'injectedAt'>[]): string[] {
  const ids = faults.flatMap((f) => {
    const info = f.injectedAt === undefined ? undefined : TECHNIQUE_KINDS.get(f.type);
    return info ? [info.id] : [];
  });
  return [...new Set(ids)];
}

/**
 * A run's detection outcome, from its expectations that wait for something (a `never` one says
 * nothing about detection): the earliest met one → detected, with the time it took; else the
 * earliest late one → late; else missed; none at all → not measured. An expectation is not tied
 * to one technique: every technique of the run shares the outcome.
 */
export function runOutcome(expectations: readonly ExpectationRecord[] | undefined): { outcome: DetectionOutcome; ttdMs?: number } {
  const watching = (expectations ?? []).filter((e) => !e.never);
  if (watching.length === 0) return { outcome: 'not-measured' };
  for (const status of ['met', 'late'] as const) {
    const seen = watching.filter((e) => e.status === status);
    if (seen.length === 0) continue;
    const took = seen.flatMap((e) => (e.tookMs === undefined ? [] : [e.tookMs]));
    const outcome = status === 'met' ? 'detected' : 'late';
    return took.length === 0 ? { outcome } : { outcome, ttdMs: Math.min(...took) };
  }
  return { outcome: 'missed' };
}

/** A run as the coverage reads it: its journal's faults and expectations. */
export interface RunForCoverage {
  readonly id: string;
  readonly title: string;
  readonly startedAt: string;
  readonly dryRun: boolean;
  readonly faults: readonly Pick<FaultRecord, 'type' | 'injectedAt'>[];
  readonly expectations?: readonly ExpectationRecord[] | undefined;
}

/** One observation per technique a standalone run detonated (a dry run detonates nothing). */
export function runObservations(run: RunForCoverage): TechniqueObservation[] {
  if (run.dryRun) return [];
  const { outcome, ttdMs } = runOutcome(run.expectations);
  const at = Date.parse(run.startedAt);
  return detonated(run.faults).map((techniqueId) => ({
    techniqueId,
    at,
    source: { kind: 'run', id: run.id, title: run.title },
    outcome,
    ...(ttdMs !== undefined && { ttdMs }),
  }));
}

/** A team's time to detect in a game-day step, as the game day's measures give it. */
export interface TeamDetection {
  readonly team: string;
  readonly detect: { readonly ms?: number; readonly onTarget?: boolean };
}

/** A played step of a game day: the techniques its run detonated and each team's detection. */
export interface GameDayStepForCoverage {
  readonly gameday: { readonly id: string; readonly title: string };
  readonly step: string;
  readonly injectedAt: number;
  readonly techniqueIds: readonly string[];
  readonly teams: readonly TeamDetection[];
}

/**
 * One observation per technique and per team: detected when the team's time to detect is known
 * and not off the facilitator's target; late when it is off target; missed when it never came.
 */
export function stepObservations(step: GameDayStepForCoverage): TechniqueObservation[] {
  return step.techniqueIds.flatMap((techniqueId) =>
    step.teams.map((team): TechniqueObservation => {
      const ms = team.detect.ms;
      const source = { kind: 'gameday', id: step.gameday.id, title: step.gameday.title, step: step.step, team: team.team } as const;
      if (ms === undefined) return { techniqueId, at: step.injectedAt, source, outcome: 'missed' };
      return { techniqueId, at: step.injectedAt, source, outcome: team.detect.onTarget === false ? 'late' : 'detected', ttdMs: ms };
    }),
  );
}
