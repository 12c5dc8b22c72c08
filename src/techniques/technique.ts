import type { AnyFaultType, FaultState, FaultType } from '../engine/fault.js';
import attack from './attack-tactics.json' with { type: 'json' };

/**
 * What makes a fault type a security technique: its MITRE ATT&CK id, what it touches, what it
 * needs, and the telemetry a defender should see. A technique is a fault kind like any other —
 * the same intent record, lease, verified revert, tag, sweep and halt — run by the agent of the
 * host it targets.
 */
export interface TechniqueInfo {
  /** Technique or sub-technique: T1053.003. */
  readonly id: string;
  /** As ATT&CK names it: "Scheduled Task/Job: Cron". */
  readonly name: string;
  /** What it changes on the host, in words. */
  readonly touches: string;
  /** What the host must have (a directory, a user, a free port). */
  readonly prerequisites: string;
  /** What a defender should see: the log lines, file events or connections it causes. */
  readonly telemetry: readonly string[];
}

export interface Technique<P = unknown, S extends FaultState = FaultState> extends FaultType<P, S> {
  readonly attack: TechniqueInfo;
}

export function isTechnique(type: AnyFaultType): type is AnyFaultType & { readonly attack: TechniqueInfo } {
  return typeof (type as Partial<Technique>).attack === 'object';
}

/** The ATT&CK version the tactics come from. */
export const ATTACK_VERSION: string = attack.version;

/** The tactics a technique serves, from the data file (a sub-technique's are its parent's); [] when unknown. */
export function tacticsOf(id: string): readonly string[] {
  const parent = id.split('.')[0] ?? id;
  return (attack.tactics as Readonly<Record<string, readonly string[]>>)[parent] ?? [];
}
