import type { z } from 'zod';
import type { ToleranceSpec } from '../experiment/tolerance-schema.js';

/** What a probe observed: plain JSON fields, judged by a tolerance. */
export type ProbeOutput = Record<string, unknown>;

/** A probe judged by its tolerance: the unit of every hypothesis check. */
export interface ProbeResult {
  readonly name: string;
  readonly type: string;
  readonly met: boolean;
  readonly detail: string;
  readonly output?: ProbeOutput;
  readonly error?: string;
}

export interface ProbeContext {
  /** Aborted when the run is aborted or the probe's own timeout passes. */
  readonly signal: AbortSignal;
}

/**
 * A probe type: one file per type in src/probes. `run` observes once. Probes that sample
 * continuously (availability) also offer `monitor`, which the engine keeps running during the
 * method and reads at every hypothesis check and for the live progress line.
 */
export interface ProbeType<P = unknown> {
  readonly name: string;
  readonly summary: string;
  readonly params: z.ZodType<P>;
  /** Output fields, in the order they are worth showing. */
  readonly fields: readonly string[];
  /** The field a bare tolerance (`tolerance: 200`) judges. */
  readonly defaultField: string;
  /** Used when an activity gives no tolerance, e.g. `{ status: { between: [200, 399] } }`. */
  readonly defaultTolerance: ToleranceSpec;
  run(params: P, ctx: ProbeContext): Promise<ProbeOutput>;
  monitor?(params: P): ProbeMonitor;
}

export interface ProbeMonitor {
  /** The current reading over the monitor's window. */
  read(): ProbeOutput;
  stop(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the registry holds probes of every parameter type
export type AnyProbeType = ProbeType<any>;
