import { existsSync } from 'node:fs';
import pc from 'picocolors';
import { errorMessage } from '../errors.js';
import type { AgentStatus, HaltState } from '../agent-protocol/api.js';
import { readHalt } from '../agent-protocol/halt-file.js';
import { LOCAL_AGENT } from '../agent-client/router.js';
import { describeTarget } from '../engine/target.js';
import { EXIT } from './exit-codes.js';
import { connectFleet } from '../runs/fleet.js';
import { inventoryFor } from './inventory-option.js';

export interface StatusOptions {
  readonly stateDir: string;
  readonly inventory?: string;
  readonly json?: boolean;
}

interface AgentReport {
  readonly agent: string;
  readonly status?: AgentStatus;
  readonly error?: string;
}

/**
 * `firedrill status`: the agents, their active faults with the time left on each lease, and the
 * halt state. Without a running local agent it reads the ledger: an open record there is a
 * fault that may have been left behind (`firedrill recover` reverts it).
 */
export async function statusCommand(options: StatusOptions): Promise<number> {
  const fleet = await connectFleet({ stateDir: options.stateDir, inventory: inventoryFor(options.inventory), startLocal: false });
  try {
    const reports: AgentReport[] = await Promise.all(
      [...fleet.agents].map(async ([agent, client]) => {
        try {
          return { agent, status: await client.status() };
        } catch (error) {
          return { agent, error: errorMessage(error) };
        }
      }),
    );
    const local = fleet.agents.has(LOCAL_AGENT);
    const halt = local ? null : readHalt(options.stateDir);
    const leftBehind = local ? [] : await openLedgerRecords(options.stateDir);
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({ agents: reports, localAgentRunning: local, halted: halt, openLedgerRecords: leftBehind })}\n`,
      );
    } else {
      print(reports, local, halt, leftBehind);
    }
    return reports.every((r) => r.status) && leftBehind.length === 0 ? EXIT.passed : EXIT.finding;
  } finally {
    await fleet.close();
  }
}

function print(reports: readonly AgentReport[], local: boolean, halt: HaltState | null, leftBehind: readonly string[]): void {
  const c = pc.createColors(Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env));
  const now = Date.now();
  if (!local)
    process.stdout.write(`${c.bold('local')}: no agent running${halt ? `; ${c.red('HALTED')} since ${halt.at}: ${halt.reason}` : ''}\n`);
  for (const { agent, status, error } of reports) {
    if (!status) {
      process.stdout.write(`${c.bold(agent)}: ${c.red('unreachable')} — ${error ?? ''}\n`);
      continue;
    }
    const halted = status.halted ? `  ${c.red('HALTED')} since ${status.halted.at}: ${status.halted.reason}` : '';
    const idle = status.idleExitMs === null ? '' : c.dim(`, exits after ${Math.round(status.idleExitMs / 60_000)} min idle`);
    process.stdout.write(`${c.bold(agent)}: ${status.url} pid ${status.pid}, up since ${status.startedAt}${idle}${halted}\n`);
    if (status.faults.length === 0) process.stdout.write(c.dim('  no active fault\n'));
    for (const fault of status.faults) {
      const left = Math.max(0, fault.leaseExpiresAt - now);
      process.stdout.write(
        `  ${c.red('⚡')} ${fault.type} on ${describeTarget(fault.target)}  run ${fault.runId} ${fault.faultId} (${fault.step})  lease ${(left / 1000).toFixed(1)}s\n`,
      );
    }
  }
  for (const record of leftBehind)
    process.stdout.write(`  ${c.red('!')} open in the ledger, no agent holds it: ${record} — run \`firedrill recover\`\n`);
}

/** Open ledger records, read directly when no agent runs to hold them. */
async function openLedgerRecords(stateDir: string): Promise<string[]> {
  const { Ledger, ledgerFile } = await import('../agent-daemon/ledger.js');
  const file = ledgerFile(stateDir);
  if (!existsSync(file)) return [];
  const ledger = new Ledger(file);
  try {
    return ledger.open().map((r) => `${r.type} on ${describeTarget(r.target)} (run ${r.runId} ${r.faultId}, ${r.status})`);
  } finally {
    ledger.close();
  }
}
