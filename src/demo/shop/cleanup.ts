import { errorMessage } from '../../errors.js';

/**
 * Undo steps, run last-in first-out: each step that starts something registers how to stop it
 * right away, so a failure halfway through startup stops exactly what was started. A step that
 * throws is reported and the others still run.
 */
export class Cleanup {
  private readonly steps: { what: string; undo: () => Promise<void> | void }[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly report: (line: string) => void) {}

  add(what: string, undo: () => Promise<void> | void): void {
    this.steps.push({ what, undo });
  }

  /** Runs every step once; later calls wait for the same run. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step.undo();
        } catch (error) {
          this.report(`could not ${step.what}: ${errorMessage(error)}`);
        }
      }
    })();
    return this.running;
  }
}
