import { existsSync } from 'node:fs';
import type { RecoverResponse } from '../agent-protocol/api.js';
import { findLocalAgent } from '../agent-client/local-agent.js';
import { AgentClient } from '../agent-client/client.js';
import { LOCAL_AGENT } from '../agent-client/router.js';
import { EXIT } from './exit-codes.js';

export interface RecoverOptions {
  readonly stateDir: string;
  readonly json?: boolean;
}

/**
 * `firedrill recover`: reverts and verifies every fault still open in the ledger that no live
 * lease holds, and removes tagged artefacts nobody owns. Through the local agent when it runs
 * (it knows which faults are live); in this process otherwise.
 */
export async function recoverCommand(options: RecoverOptions): Promise<number> {
  const result = await recover(options.stateDir);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    if (result.reverted.length === 0 && result.swept.length === 0) process.stdout.write('nothing to recover: no open fault, no orphan\n');
    for (const fault of result.reverted) {
      process.stdout.write(
        `${fault.verification.ok ? 'reverted' : 'NOT VERIFIED'} run ${fault.runId} ${fault.faultId}: ${fault.verification.detail}\n`,
      );
    }
    for (const orphan of result.swept) process.stdout.write(`removed orphan: ${orphan}\n`);
  }
  return result.reverted.every((r) => r.verification.ok) ? EXIT.passed : EXIT.toolFailure;
}

async function recover(stateDir: string): Promise<RecoverResponse> {
  const local = await findLocalAgent(stateDir);
  if (local) {
    const client = new AgentClient(local, { name: LOCAL_AGENT });
    try {
      return await client.recover();
    } finally {
      await client.close();
    }
  }
  // No agent: do what an agent does when it starts, holding its lock so that none starts meanwhile.
  const [{ acquireLock }, { openAgentCore }, { ledgerFile }, { silentLogger }] = await Promise.all([
    import('../agent-daemon/agent-lock.js'),
    import('../agent-daemon/http/core.js'),
    import('../agent-daemon/ledger.js'),
    import('../util/log.js'),
  ]);
  if (!existsSync(ledgerFile(stateDir))) return { reverted: [], swept: [] };
  const lock = acquireLock(stateDir);
  const core = openAgentCore({ stateDir, log: silentLogger });
  try {
    const reverted = await core.keeper.recover('firedrill recover');
    const swept = await core.sweeper.sweep();
    return { reverted, swept };
  } finally {
    await core.close('firedrill recover');
    lock.release();
  }
}
