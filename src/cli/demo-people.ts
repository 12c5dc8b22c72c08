import { startControlPlane } from '../server/serve.js';
import type { RunningServer } from '../server/serve.js';
import type { Logger } from '../util/log.js';

/**
 * What the demos with people (`--gameday`, `--intrusion`) share as commands: Ctrl-C (or
 * SIGTERM, SIGHUP) aborts the play — every fault reverted, everything it started stopped — and a
 * control plane of the demo's own, quiet but for its warnings.
 */
export async function interruptible<T>(play: (signal: AbortSignal) => Promise<T>): Promise<{ result: T; interrupted: boolean }> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => controller.abort(new Error(`interrupted by ${signal}`));
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal).on('SIGHUP', onSignal);
  try {
    const result = await play(controller.signal);
    return { result, interrupted: controller.signal.aborted };
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal).off('SIGHUP', onSignal);
  }
}

/** The demo's control plane on 127.0.0.1, over the database and inventory the play gives. */
export function demoControlPlane(
  stateDir: string,
  out: NodeJS.WritableStream,
): (options: { readonly inventory: string; readonly database: string }) => Promise<RunningServer> {
  const say = (line: string) => out.write(`  control plane: ${line}\n`);
  const log: Logger = { debug: () => undefined, info: () => undefined, warn: say, error: say };
  return ({ inventory, database }) => startControlPlane({ stateDir, database, listen: { host: '127.0.0.1', port: 0 }, log, inventory });
}
