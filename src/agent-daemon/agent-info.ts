import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_FILES } from '../agent-protocol/api.js';
import type { AgentInfo } from '../agent-protocol/api.js';

/** `<stateDir>/agent.json`: how clients find the agent (written whole, by rename). */
export function writeInfo(stateDir: string, info: AgentInfo): void {
  const file = join(stateDir, AGENT_FILES.info);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(info)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** Only our own (as its worker or its supervisor): a newer agent may have written its file after a takeover. */
export function removeInfo(stateDir: string): void {
  const file = join(stateDir, AGENT_FILES.info);
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as AgentInfo;
    if (info.pid === process.pid || info.supervisorPid === process.pid) rmSync(file, { force: true });
  } catch {
    // already gone
  }
}
