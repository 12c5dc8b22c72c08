import { errorMessage } from '../errors.js';
import type { ToleranceSpec } from '../experiment/tolerance-schema.js';
import type { ProbeResult } from './probe.js';
import type { AnyProbeType, ProbeOutput } from './probe.js';
import { compileTolerance, judge, judgeError } from '../experiment/tolerance.js';
import type { ToleranceCheck } from '../experiment/tolerance.js';

export interface ProbeCall {
  readonly name: string;
  readonly type: string;
  readonly params: Record<string, unknown>;
  readonly tolerance?: ToleranceSpec | undefined;
}

/**
 * A probe (or action) ready to run: parameters parsed once, tolerance compiled once. Parameters
 * that held step references are parsed when the call is made, after they were filled in.
 */
export class PreparedProbe {
  private readonly checks: readonly ToleranceCheck[];

  constructor(
    readonly call: ProbeCall,
    readonly type: AnyProbeType,
  ) {
    this.checks = compileTolerance(call.tolerance ?? type.defaultTolerance, type).checks;
  }

  /** Runs once and judges. A probe that throws or times out counts as not met. */
  async run(signal: AbortSignal, params: Record<string, unknown> = this.call.params): Promise<ProbeResult> {
    const base = { name: this.call.name, type: this.call.type };
    const parsed = this.type.params.safeParse(params);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ');
      return { ...base, met: false, detail: `invalid parameters: ${message}`, error: message };
    }
    try {
      const output = await this.type.run(parsed.data, { signal });
      return { ...base, ...this.judge(output), output };
    } catch (error) {
      const judged = judgeError(error);
      return { ...base, met: false, detail: judged.detail, error: errorMessage(error) };
    }
  }

  judge(output: ProbeOutput): { met: boolean; detail: string } {
    const judged = judge(this.checks, output);
    return { met: judged.met, detail: judged.detail };
  }
}

export function lookupProbe(probes: ReadonlyMap<string, AnyProbeType>, type: string): AnyProbeType {
  const found = probes.get(type);
  // The loader checked every type; reaching this means a caller skipped validation.
  if (!found) throw new Error(`unknown probe type ${type}`);
  return found;
}
