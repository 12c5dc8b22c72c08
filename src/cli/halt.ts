import { formatDuration } from '../util/duration.js';
import { userName } from '../util/user-name.js';
import { EXIT } from './exit-codes.js';
import { haltEverywhere, resumeEverywhere } from '../runs/halt.js';
import { inventoryFor } from './inventory-option.js';

export interface HaltOptions {
  readonly reason?: string;
  readonly stateDir: string;
  readonly inventory?: string;
  readonly json?: boolean;
}

/**
 * `firedrill halt`: every agent this CLI knows reverts every active fault at once and refuses
 * new injections. The halt is also written to the state directory, so a local agent that is not
 * running now starts halted. Runs in progress learn it at their next lease renewal and abort.
 */
export async function haltCommand(options: HaltOptions): Promise<number> {
  const outcome = await haltEverywhere({
    stateDir: options.stateDir,
    inventory: inventoryFor(options.inventory),
    reason: options.reason ?? `halted by ${userName()}`,
  });
  const { halted, agents: results } = outcome;
  const ok = results.every((r) => r.ok && !r.unverified);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ halted, agents: results })}\n`);
  } else {
    if (outcome.recordedOnly) process.stdout.write(`local: no agent running; halt recorded in ${options.stateDir}\n`);
    for (const r of results) {
      if (!r.ok) process.stdout.write(`${r.agent}: NOT HALTED — ${r.error ?? ''}\n`);
      else {
        const unverified = r.unverified ? `, ${r.unverified} NOT verified (see firedrill status)` : '';
        process.stdout.write(
          `${r.agent}: halted, ${r.reverted ?? 0} fault(s) reverted in ${formatDuration(r.latencyMs ?? 0)}${unverified}\n`,
        );
      }
    }
    process.stdout.write(`halted: ${halted.reason}. New runs are refused until \`firedrill resume\`.\n`);
  }
  return ok ? EXIT.passed : EXIT.toolFailure;
}

export interface ResumeOptions {
  readonly stateDir: string;
  readonly inventory?: string;
  readonly json?: boolean;
}

/** `firedrill resume`: lifts the halt everywhere the CLI can reach. */
export async function resumeCommand(options: ResumeOptions): Promise<number> {
  const results = await resumeEverywhere({ stateDir: options.stateDir, inventory: inventoryFor(options.inventory) });
  if (options.json) process.stdout.write(`${JSON.stringify({ resumed: true, agents: results })}\n`);
  else for (const r of results) process.stdout.write(`${r.agent}: ${r.ok ? 'resumed' : `NOT resumed — ${r.error ?? ''}`}\n`);
  if (!options.json) process.stdout.write('runs may start again\n');
  return results.every((r) => r.ok) ? EXIT.passed : EXIT.toolFailure;
}
