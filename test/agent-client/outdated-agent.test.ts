import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentHttp } from '../../src/agent-client/http-client.js';
import { ensureLocalAgent } from '../../src/agent-client/local-agent.js';
import { isAlive, processState } from '../../src/targets/proc.js';
import { Processes, stopAgent } from '../support/processes.js';

const BIN = fileURLToPath(new URL('../../bin/firedrill.js', import.meta.url));

// An upgrade leaves the previous version's local agent running (it exits when idle): it does not
// know the new fault types. Idle, it is replaced; holding a fault, it is kept — the fault is its own.
describe('a local agent of another firedrill version', () => {
  const stateDir = join(mkdtempSync(join(tmpdir(), 'fd-outdated-')), 'state');
  const processes = new Processes();
  afterAll(async () => {
    await stopAgent(stateDir);
    await processes.stopAll();
    rmSync(join(stateDir, '..'), { recursive: true, force: true });
  });

  it('is replaced when idle, and kept while it holds a fault', async () => {
    const first = await ensureLocalAgent({ stateDir, bin: BIN });
    expect(first.started).toBe(true);
    // This firedrill now says it is another version: the idle agent is stopped and a new one starts.
    const second = await ensureLocalAgent({ stateDir, bin: BIN, version: '99.0.0' });
    expect(second.started).toBe(true);
    expect(second.info.pid).not.toBe(first.info.pid);
    expect(isAlive(first.info.pid)).toBe(false);

    const sleeper = processes.sleep(303);
    const pid = sleeper.pid ?? 0;
    const http = new AgentHttp({ url: second.url, token: second.token });
    try {
      await http.post('/v1/runs/held/faults', {
        faultId: 'f1',
        step: 'method[0]',
        type: 'process-pause',
        target: { kind: 'process', pid, name: 'sleep', cmdline: `sleep 303` },
        params: {},
      });
      expect(processState(pid)).toBe('T');
      const third = await ensureLocalAgent({ stateDir, bin: BIN, version: '100.0.0' });
      expect(third.info.pid).toBe(second.info.pid); // kept: its fault is its to revert
      expect(processState(pid)).toBe('T');
      await http.post('/v1/runs/held/faults/f1/revert');
      expect(processState(pid)).not.toBe('T');
    } finally {
      http.close();
    }
  }, 60_000);
});
