import { closeSync, renameSync, rmSync, writeSync } from 'node:fs';
import { allowFile, readAllowList, recordAllowed } from '../../agent-daemon/allow-list.js';
import { openPrivate } from '../../util/private-files.js';

/**
 * The attacker's side is this machine's own agent (the state directory's): its brute force
 * reaches the host's address, so the host must be in its allow.json "hosts" — exactly that
 * address, added for the demo and taken out again at its end (unless it was there before).
 * Returns what takes it out.
 */
export function allowHostForAttacker(stateDir: string, address: string): () => void {
  const file = allowFile(stateDir);
  const before = readAllowList(file)?.hosts.includes(address) ?? false;
  recordAllowed(stateDir, { start: [], pidFiles: [], directories: [], ports: [], users: [], hosts: [address] });
  return () => {
    if (before) return;
    const now = readAllowList(file);
    if (!now?.hosts.includes(address)) return;
    const temp = `${file}.${process.pid}.tmp`;
    rmSync(temp, { force: true });
    const fd = openPrivate(temp, 'wx');
    try {
      writeSync(fd, `${JSON.stringify({ ...now, hosts: now.hosts.filter((h) => h !== address) }, null, 2)}\n`);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  };
}
