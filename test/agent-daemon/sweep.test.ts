import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { faultTag } from '../../src/engine/fault.js';
import type { AnyFaultType, FaultContext } from '../../src/engine/fault.js';
import { cpuStress } from '../../src/faults/cpu-stress.js';
import { diskFill, fillPath } from '../../src/faults/disk-fill.js';
import { memoryPressure } from '../../src/faults/memory-pressure.js';
import { findWorkers } from '../../src/faults/support/workers.js';
import { host, Lab } from '../faults/helpers.js';
import { AgentHarness, allowOnHost } from './harness.js';

const lab = new Lab();
let agent: AgentHarness;

beforeEach(() => {
  agent = new AgentHarness();
});
afterEach(async () => {
  await agent.close();
  await lab.cleanup();
});

/**
 * Makes the artefact of a fault the way its inject would, outside the agent, under the tag of
 * (runId, faultId). With `record`, the ledger gets a record of it already closed as reverted:
 * a revert that was recorded but left this behind (the case the sweep exists for).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- contexts of several fault types
async function artefact(type: AnyFaultType, runId: string, faultId: string, params: unknown, record: boolean): Promise<FaultContext<any>> {
  const tag = faultTag(runId, faultId);
  lab.tags.add(tag);
  const ctx: FaultContext<Record<string, unknown>> = {
    runId,
    faultId,
    tag,
    target: host,
    params: type.params.parse(params) as Record<string, unknown>,
    workDir: agent.stateDir,
    signal: new AbortController().signal,
  };
  if (record) {
    const { id } = agent.core.ledger.recordIntent({
      runId,
      faultId,
      step: 's',
      type: type.name,
      target: host,
      params: ctx.params,
      tag,
      workDir: agent.stateDir,
    });
    agent.core.ledger.markReverted(id, { revertedAt: 1, verifiedAt: 1, verification: { ok: true, detail: 'said gone, was not' } });
  }
  await type.inject(ctx);
  return ctx;
}

describe('orphan sweep', () => {
  it('removes on recover the workers and fill files no open record owns, and leaves an active fault’s alone', async () => {
    const dir = lab.tempDir();
    const fill = { directory: dir, bytes: 65536 };
    allowOnHost(agent.stateDir, { directories: [dir] }); // this host lets disk-fill write there
    expect((await agent.inject('r1', { faultId: 'cpu', type: 'cpu-stress', target: host, params: { workers: 1, load: 1 } })).status).toBe(
      201,
    );
    expect((await agent.inject('r1', { faultId: 'disk', type: 'disk-fill', target: host, params: fill })).status).toBe(201);
    const cpuOrphan = await artefact(cpuStress, 'r0', 'cpu', { workers: 1, load: 1 }, true);
    const memOrphan = await artefact(memoryPressure, 'r0', 'mem', { mib: 4, keepAvailable: 0 }, true);
    const diskOrphan = await artefact(diskFill, 'r0', 'disk', fill, true);
    // Tags this ledger never saw belong to another state dir: not ours to remove.
    const stranger = await artefact(cpuStress, 'elsewhere', 'cpu', { workers: 1, load: 1 }, false);
    const strangerFill = await artefact(diskFill, 'elsewhere', 'disk', fill, false);

    const recovered = await agent.recover();
    expect(recovered.status).toBe(200);
    expect(recovered.body.reverted).toEqual([]);
    expect(recovered.body.swept).toHaveLength(3);
    expect(recovered.body.swept).toEqual(
      expect.arrayContaining([
        `disk-fill file ${fillPath(diskOrphan)}`,
        expect.stringMatching(/^cpu-stress worker pid \d+ \(fd-r0-cpu\)$/),
        expect.stringMatching(/^memory-pressure worker pid \d+ \(fd-r0-mem\)$/),
      ]),
    );
    expect(findWorkers(cpuOrphan.tag)).toEqual([]);
    expect(findWorkers(memOrphan.tag)).toEqual([]);
    expect(existsSync(fillPath(diskOrphan))).toBe(false);

    expect(findWorkers('fd-r1-cpu')).toHaveLength(1);
    expect(existsSync(`${dir}/.firedrill-fill-fd-r1-disk`)).toBe(true);
    expect(findWorkers(stranger.tag)).toHaveLength(1);
    expect(existsSync(fillPath(strangerFill))).toBe(true);

    for (const faultId of ['cpu', 'disk']) {
      expect((await agent.revert('r1', faultId)).body.verification.ok).toBe(true);
    }
    expect(findWorkers('fd-r1-cpu')).toEqual([]);
    expect(existsSync(`${dir}/.firedrill-fill-fd-r1-disk`)).toBe(false);
  });
});
