import type { z } from 'zod';
import type { ToleranceSpec } from './tolerance-schema.js';

/**
 * What the loader, the JSON Schema and the reference need of the fault and probe types: names,
 * parameters, the fields a tolerance may judge. The engine's FaultType and ProbeType satisfy
 * these shapes, so experiment files are checked without this layer knowing the engine.
 */
export interface FaultTypeInfo {
  readonly name: string;
  readonly summary: string;
  readonly targetKind: string;
  readonly params: z.ZodType;
  readonly reversible: boolean;
  /** Security techniques: their MITRE ATT&CK id and what a defender should see (src/techniques). */
  readonly attack?: {
    readonly id: string;
    readonly name: string;
    readonly touches: string;
    readonly prerequisites: string;
    readonly telemetry: readonly string[];
  };
}

export interface ProbeTypeInfo {
  readonly name: string;
  readonly summary: string;
  readonly params: z.ZodType;
  readonly fields: readonly string[];
  readonly defaultField: string;
  readonly defaultTolerance: ToleranceSpec;
  /** Present on probes that sample continuously (the only ones a guardrail can watch). */
  readonly monitor?: unknown;
}

/** The fault and probe types a loader may accept; commands pass the built-in registries. */
export interface Catalog {
  readonly faults: ReadonlyMap<string, FaultTypeInfo>;
  readonly probes: ReadonlyMap<string, ProbeTypeInfo>;
}
