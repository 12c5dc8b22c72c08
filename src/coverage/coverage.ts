import attack from '../techniques/attack-tactics.json' with { type: 'json' };
import { ATTACK_VERSION, tacticsOf } from '../techniques/technique.js';
import { TECHNIQUE_KINDS } from './observation.js';
import type { DetectionOutcome, ObservationSource, TechniqueObservation } from './observation.js';

/** Where a technique stands: its latest measured outcome, tested but never measured, or never tested. */
export type CoverageStatus = DetectionOutcome | 'never-tested';

export interface TechniqueCoverage {
  /** ATT&CK id, e.g. T1053.003. */
  readonly techniqueId: string;
  readonly name: string;
  readonly tactics: readonly string[];
  /** The fault kinds that detonate it (cron-persistence…). */
  readonly kinds: readonly string[];
  readonly status: CoverageStatus;
  /** Drills (runs and game days) that detonated it; a game day counts once however many teams it had. */
  readonly drills: number;
  /** Observations by outcome (a game day gives one per team). */
  readonly counts: Readonly<Record<DetectionOutcome, number>>;
  /** The median time to detect of the detected and late observations; null when none was. */
  readonly medianTtdMs: number | null;
  /** The most recent observation, measured or not. */
  readonly last: { readonly at: number; readonly source: ObservationSource; readonly outcome: DetectionOutcome } | null;
}

export interface CoverageReport {
  /** The ATT&CK version of the tactics (attack-tactics.json). */
  readonly attack: string;
  /** The matrix's columns, in ATT&CK order: the tactics at least one technique serves. */
  readonly tactics: readonly string[];
  readonly techniques: readonly TechniqueCoverage[];
}

const OUTCOMES: readonly DetectionOutcome[] = ['detected', 'late', 'missed', 'not-measured'];

/** The middle value (the mean of the two middle ones for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? null) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Coverage per registered technique. The status is that of the most recent *measured*
 * observation, not the worst ever: coverage says where detection stands today, so a gap fixed
 * and drilled again turns green, while the counts keep the history (3 detected, 1 missed).
 * A technique detonated only where nobody watched (no expectation) is `not-measured`; one never
 * detonated in any drill the caller may see is `never-tested`. An observation of a technique no
 * longer registered is kept as a row of its own.
 */
export function coverageOf(observations: readonly TechniqueObservation[]): CoverageReport {
  const registered = new Map<string, { name: string; kinds: string[] }>();
  for (const [kind, info] of TECHNIQUE_KINDS) {
    const known = registered.get(info.id);
    if (known) known.kinds.push(kind);
    else registered.set(info.id, { name: info.name, kinds: [kind] });
  }
  const byTechnique = new Map<string, TechniqueObservation[]>();
  for (const o of observations) byTechnique.set(o.techniqueId, [...(byTechnique.get(o.techniqueId) ?? []), o]);
  const ids = [...new Set([...registered.keys(), ...byTechnique.keys()])].sort();
  const techniques = ids.map((id) => techniqueCoverage(id, registered.get(id), byTechnique.get(id) ?? []));
  const served = new Set(techniques.flatMap((t) => t.tactics));
  return { attack: ATTACK_VERSION, tactics: attack.matrix.filter((tactic) => served.has(tactic)), techniques };
}

function techniqueCoverage(
  id: string,
  info: { name: string; kinds: string[] } | undefined,
  seen: TechniqueObservation[],
): TechniqueCoverage {
  const newestFirst = [...seen].sort((a, b) => b.at - a.at);
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, seen.filter((s) => s.outcome === o).length])) as Record<
    DetectionOutcome,
    number
  >;
  const latest = newestFirst[0];
  const measured = newestFirst.find((o) => o.outcome !== 'not-measured');
  return {
    techniqueId: id,
    name: info?.name ?? id,
    tactics: tacticsOf(id),
    kinds: info?.kinds ?? [],
    status: measured?.outcome ?? (latest ? 'not-measured' : 'never-tested'),
    drills: new Set(seen.map((o) => `${o.source.kind}:${o.source.id}`)).size,
    counts,
    medianTtdMs: median(
      seen.flatMap((o) => (o.ttdMs !== undefined && (o.outcome === 'detected' || o.outcome === 'late') ? [o.ttdMs] : [])),
    ),
    last: latest ? { at: latest.at, source: latest.source, outcome: latest.outcome } : null,
  };
}
