import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureLocalAgent } from '../agent-client/local-agent.js';
import { AGENT_FILES } from '../agent-protocol/api.js';
import type { AgentInfo } from '../agent-protocol/api.js';
import { isAlive } from '../targets/proc.js';

/**
 * A local agent that died without stopping (kill -9 of it and its supervisor, the OOM killer)
 * leaves its agent.json behind, and maybe faults in its ledger. Any command started on that
 * state directory starts it again first: the new agent reverts what the dead one held before
 * it listens, so no fault waits for someone to think of `firedrill recover`. Costs a file read
 * when agent.json exists, nothing when it does not (a clean stop removes it).
 */
export async function reviveDeadAgent(stateDir: string): Promise<void> {
  let info: AgentInfo;
  try {
    info = JSON.parse(readFileSync(join(stateDir, AGENT_FILES.info), 'utf8')) as AgentInfo;
  } catch {
    return;
  }
  if (typeof info.pid !== 'number' || isAlive(info.pid)) return;
  if (info.supervisorPid !== undefined && isAlive(info.supervisorPid)) return;
  process.stderr.write(
    `firedrill: the local agent of ${stateDir} died (pid ${info.pid}) without stopping; starting it again: it reverts what it still held\n`,
  );
  await ensureLocalAgent({ stateDir });
}
