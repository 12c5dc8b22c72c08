import type { DeclaredCause } from '../store/gamedays.js';
import type { DayEvent } from './measures.js';
import type { Progress, TechniqueProgress } from './progress.js';
import type { GameDaySpec } from './spec.js';

/** What really happened in an intrusion: the techniques detonated (ATT&CK ids), the way in, the hosts touched. */
export interface IntrusionTruth {
  readonly techniques: readonly string[];
  readonly entryPoint?: string;
  readonly hosts: readonly string[];
}

/** How well a set of names matches the truth: right, missed and wrong ones, precision and recall (0–1; undefined when nothing to divide by). */
export interface SetScore {
  readonly right: readonly string[];
  readonly missed: readonly string[];
  readonly wrong: readonly string[];
  readonly precision?: number;
  readonly recall?: number;
}

export interface ReconstructionScore {
  readonly team: string;
  /** The finding scored: the team's last one. */
  readonly by: string;
  readonly at: number;
  readonly techniques: SetScore;
  readonly entryPoint: { readonly said?: string; readonly truth?: string; readonly right?: boolean };
  readonly hosts: SetScore;
}

/** Every technique the day's steps detonated, in order. */
export function attackOf(progress: Progress): TechniqueProgress[] {
  return progress.steps.flatMap((step) => step.techniques ?? []).sort((a, b) => a.at - b.at);
}

/** The ground truth, from what the steps detonated and what the scenario says of the intrusion. */
export function intrusionTruth(spec: GameDaySpec, progress: Progress): IntrusionTruth {
  const attack = attackOf(progress);
  const entryPoint = spec.intrusion?.entryPoint ?? attack[0]?.id;
  return {
    techniques: unique(attack.map((t) => t.id)),
    ...(entryPoint !== undefined && { entryPoint }),
    hosts: unique(spec.intrusion?.hosts ?? attack.map((t) => t.target)),
  };
}

/**
 * Each team's last finding scored against the truth: precision and recall of the techniques
 * (naming the parent technique of a detonated sub-technique counts: T1098 for T1098.004), the
 * entry point right or wrong, precision and recall of the hosts. Case and spacing aside.
 */
export function scoreReconstructions(spec: GameDaySpec, progress: Progress, events: readonly DayEvent[]): ReconstructionScore[] {
  const truth = intrusionTruth(spec, progress);
  if (truth.techniques.length === 0) return [];
  return Object.keys(spec.teams).flatMap((team) => {
    const finding = events.filter((e) => e.kind === 'finding' && e.team === team).sort((a, b) => b.at - a.at)[0];
    if (!finding) return [];
    const said: DeclaredCause = finding.cause ?? {};
    const entry = said.entryPoint?.trim();
    return [
      {
        team,
        by: finding.by,
        at: finding.at,
        techniques: scoreSet(said.techniques ?? [], truth.techniques, techniqueMatches),
        entryPoint: {
          ...(entry && { said: entry }),
          ...(truth.entryPoint !== undefined && { truth: truth.entryPoint }),
          ...(truth.entryPoint !== undefined && { right: entry !== undefined && techniqueMatches(entry, truth.entryPoint) }),
        },
        hosts: scoreSet(said.hosts ?? [], truth.hosts, (a, b) => normal(a) === normal(b)),
      },
    ];
  });
}

/** A name said matches a true one when equal, or when it names the parent technique of a true sub-technique. */
function techniqueMatches(said: string, truth: string): boolean {
  const s = normal(said);
  const t = normal(truth);
  return s === t || (!s.includes('.') && t.startsWith(`${s}.`));
}

function scoreSet(said: readonly string[], truth: readonly string[], matches: (said: string, truth: string) => boolean): SetScore {
  const names = unique(said.map((s) => s.trim()).filter(Boolean));
  const right = names.filter((s) => truth.some((t) => matches(s, t)));
  const wrong = names.filter((s) => !right.includes(s));
  const missed = truth.filter((t) => !names.some((s) => matches(s, t)));
  const found = truth.length - missed.length;
  return {
    right,
    missed,
    wrong,
    ...(names.length > 0 && { precision: round(right.length / names.length) }),
    ...(truth.length > 0 && { recall: round(found / truth.length) }),
  };
}

const normal = (name: string) => name.trim().toLowerCase();
const round = (n: number) => Math.round(n * 100) / 100;

function unique(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.filter((name) => {
    const key = normal(name);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
