import { errorMessage } from '../../errors.js';
import type { HaltState } from '../../agent-protocol/api.js';
import { clearHalt, readHalt, writeHalt } from '../../agent-protocol/halt-file.js';

/**
 * The agent's halt state, kept in `<stateDir>/halt.json` (see halt-file.ts). The file is the
 * truth: the CLI writes or removes it when it finds no agent running, so `refresh` reads it
 * again before every decision that depends on it (an inject, a lease renewal, a status).
 */
export class HaltSwitch {
  readonly #stateDir: string;
  #state: HaltState | null;
  /** A halt whose file could not be written still holds, in memory, until resume. */
  #pinned = false;

  constructor(stateDir: string) {
    this.#stateDir = stateDir;
    this.#state = readHalt(stateDir);
  }

  get state(): HaltState | null {
    return this.#state;
  }

  /** Re-reads the file; true when it now halts and did not before (someone else halted). */
  refresh(): boolean {
    const was = this.#state;
    const onDisk = readHalt(this.#stateDir);
    this.#state = onDisk ?? (this.#pinned ? was : null);
    return was === null && this.#state !== null;
  }

  /**
   * Halts: written to disk first, so that a crash right after still leaves the agent halted.
   * A halt never fails for want of its file (halt beats everything): it then holds in memory,
   * and `notPersisted` says why the file is missing.
   */
  halt(reason: string): { state: HaltState; notPersisted?: string } {
    if (this.#state) return { state: this.#state }; // the first halt's reason and time stand
    const state: HaltState = { reason, at: new Date().toISOString() };
    this.#state = state;
    try {
      writeHalt(this.#stateDir, state);
      return { state };
    } catch (error) {
      this.#pinned = true;
      return { state, notPersisted: errorMessage(error) };
    }
  }

  resume(): void {
    clearHalt(this.#stateDir);
    this.#pinned = false;
    this.#state = null;
  }
}
