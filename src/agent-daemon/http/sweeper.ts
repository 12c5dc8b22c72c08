import type { AnyFaultType, SweepScope } from '../../engine/fault.js';
import { canSweep } from '../../engine/fault.js';
import { errorMessage } from '../../errors.js';
import type { Ledger } from '../ledger.js';
import type { Logger } from '../../util/log.js';

export interface SweeperOptions {
  readonly ledger: Ledger;
  readonly faults: ReadonlyMap<string, AnyFaultType>;
  /** Whether a live fault of this agent carries the tag (its record is open too; belt and braces). */
  readonly owns: (tag: string) => boolean;
  readonly log: Logger;
  /** The faults' work directory (what they kept there to revert). */
  readonly workDir?: string;
}

/**
 * The orphan sweep: asks every fault type that can sweep to remove the tagged artefacts no
 * open ledger record owns (invariant 4). Sweeps run one at a time; a sweep asked for while one
 * runs starts after it, so it sees what the caller did just before (a recovery's reverts).
 */
export class Sweeper {
  readonly #options: SweeperOptions;
  #last: Promise<unknown> = Promise.resolve();

  constructor(options: SweeperOptions) {
    this.#options = options;
  }

  sweep(): Promise<string[]> {
    const next = this.#last.then(() => this.#sweep());
    this.#last = next.catch(() => undefined);
    return next;
  }

  /** Resolves once no sweep runs (before the ledger closes). */
  async settled(): Promise<void> {
    await this.#last;
  }

  async #sweep(): Promise<string[]> {
    const { ledger, faults, owns, log } = this.#options;
    const removed: string[] = [];
    for (const type of faults.values()) {
      if (!canSweep(type)) continue;
      const scope: SweepScope = {
        isOrphan: (tag) => !owns(tag) && ledger.tagStatus(tag) === 'closed',
        seenParams: ledger.seenParams(type.name),
        ...(this.#options.workDir !== undefined && { workDir: this.#options.workDir }),
      };
      try {
        removed.push(...(await type.sweep(scope)));
      } catch (error) {
        // One type failing must not keep the others from sweeping.
        log.error('orphan sweep failed', { type: type.name, error: errorMessage(error) });
      }
    }
    if (removed.length > 0) log.warn('orphans swept', { removed });
    return removed;
  }
}
