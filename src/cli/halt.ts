import { userInfo } from 'node:os';
import { errorMessage } from '../errors.js';
import { clearHalt, writeHalt } from '../agent-protocol/halt-file.js';
import { LOCAL_AGENT } from '../agent-client/router.js';
import { formatDuration } from '../util/duration.js';
import { EXIT } from './exit-codes.js';
import { connectFleet } from '../runs/fleet.js';
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
  const halt = { reason: options.reason ?? `halted by ${userName()}`, at: new Date().toISOString() };
  const fleet = await connectFleet({ stateDir: options.stateDir, inventory: inventoryFor(options.inventory), startLocal: false });
  try {
    if (!fleet.agents.has(LOCAL_AGENT)) writeHalt(options.stateDir, halt);
    const results = await Promise.all(
      [...fleet.agents].map(async ([name, agent]) => {
        try {
          const answer = await agent.halt(halt.reason);
          return {
            agent: name,
            ok: true,
            reverted: answer.reverted.length,
            unverified: answer.reverted.filter((r) => !r.verification.ok).length,
            latencyMs: answer.latencyMs,
          };
        } catch (error) {
          return { agent: name, ok: false, error: errorMessage(error) };
        }
      }),
    );
    const ok = results.every((r) => r.ok && !r.unverified);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ halted: halt, agents: results })}\n`);
    } else {
      if (!fleet.agents.has(LOCAL_AGENT)) process.stdout.write(`local: no agent running; halt recorded in ${options.stateDir}\n`);
      for (const r of results) {
        if (!r.ok) process.stdout.write(`${r.agent}: NOT HALTED — ${r.error ?? ''}\n`);
        else {
          const unverified = r.unverified ? `, ${r.unverified} NOT verified (see firedrill status)` : '';
          process.stdout.write(
            `${r.agent}: halted, ${r.reverted ?? 0} fault(s) reverted in ${formatDuration(r.latencyMs ?? 0)}${unverified}\n`,
          );
        }
      }
      process.stdout.write(`halted: ${halt.reason}. New runs are refused until \`firedrill resume\`.\n`);
    }
    return ok ? EXIT.passed : EXIT.toolFailure;
  } finally {
    await fleet.close();
  }
}

export interface ResumeOptions {
  readonly stateDir: string;
  readonly inventory?: string;
  readonly json?: boolean;
}

/** `firedrill resume`: lifts the halt everywhere the CLI can reach. */
export async function resumeCommand(options: ResumeOptions): Promise<number> {
  clearHalt(options.stateDir);
  const fleet = await connectFleet({ stateDir: options.stateDir, inventory: inventoryFor(options.inventory), startLocal: false });
  try {
    const results = await Promise.all(
      [...fleet.agents].map(async ([name, agent]) => {
        try {
          await agent.resume();
          return { agent: name, ok: true };
        } catch (error) {
          return { agent: name, ok: false, error: errorMessage(error) };
        }
      }),
    );
    if (options.json) process.stdout.write(`${JSON.stringify({ resumed: true, agents: results })}\n`);
    else for (const r of results) process.stdout.write(`${r.agent}: ${r.ok ? 'resumed' : `NOT resumed — ${r.error ?? ''}`}\n`);
    if (!options.json) process.stdout.write('runs may start again\n');
    return results.every((r) => r.ok) ? EXIT.passed : EXIT.toolFailure;
  } finally {
    await fleet.close();
  }
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'someone';
  }
}
