import { createServer, createConnection } from 'node:net';
import type { Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyFaultType } from '../../src/engine/fault.js';
import { freePorts } from '../../src/demo/shop/ports.js';
import { findWorkers } from '../../src/faults/support/workers.js';
import { backdoorListener } from '../../src/techniques/backdoor-listener.js';
import { allowOnHost, AgentHarness } from '../agent-daemon/harness.js';
import { host, Lab } from '../faults/helpers.js';

const lab = new Lab();
const agents: AgentHarness[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
  await lab.cleanup();
});

/** What a client connecting to the port reads, or undefined when nothing answers. */
function knock(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1', timeout: 2000 });
    let got = '';
    socket.on('data', (chunk: Buffer) => (got += chunk.toString()));
    socket.once('end', () => resolve(got));
    socket.once('timeout', () => (socket.destroy(), resolve(got || undefined)));
    socket.once('error', () => resolve(undefined));
  });
}

describe('the backdoor-listener technique (T1571)', () => {
  it('listens and answers its banner with the tag; reverted, nothing answers and no process of it is left', async () => {
    const [port = 0] = await freePorts(1);
    const ctx = lab.context(backdoorListener as AnyFaultType, { port }, host);
    const state = await backdoorListener.inject(ctx);
    expect(await knock(port)).toMatch(new RegExp(`^SSH-2\\.0-OpenSSH_8\\.4p1\\r\\n# firedrill ${ctx.tag}`));
    expect(findWorkers(ctx.tag).map((w) => w.pid)).toEqual(state.pids);
    await backdoorListener.revert(ctx, state);
    expect(await knock(port)).toBeUndefined();
    expect(await backdoorListener.verify(ctx, state)).toMatchObject({ ok: true });
  });

  it('outlives clients that reset at once, as a port scanner does', async () => {
    const [port = 0] = await freePorts(1);
    const ctx = lab.context(backdoorListener as AnyFaultType, { port }, host);
    const state = await backdoorListener.inject(ctx);
    for (let i = 0; i < 30; i++)
      await new Promise<void>((resolve) => {
        const socket = createConnection({ port, host: '127.0.0.1' });
        socket.once('connect', () => (socket.resetAndDestroy(), resolve()));
        socket.once('error', () => resolve());
      });
    expect(await knock(port)).toContain(`# firedrill ${ctx.tag}`);
    expect(findWorkers(ctx.tag).map((w) => w.pid)).toEqual(state.pids);
    await backdoorListener.revert(ctx, state);
    expect(await backdoorListener.verify(ctx, state)).toMatchObject({ ok: true });
  });

  it('never takes a port in use; a listener left by a crash is swept by its tag', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      await expect(backdoorListener.inject(lab.context(backdoorListener as AnyFaultType, { port }, host))).rejects.toMatchObject({
        code: 'FD_PORT_IN_USE',
      });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
    const [free = 0] = await freePorts(1);
    const ctx = lab.context(backdoorListener as AnyFaultType, { port: free }, host);
    await backdoorListener.inject(ctx);
    const swept = await backdoorListener.sweep({ isOrphan: (tag) => tag === ctx.tag, seenParams: [] });
    expect(swept).toEqual([expect.stringMatching(/^backdoor listener pid \d+/)]);
    expect(await knock(free)).toBeUndefined();
  });

  it('runs through the agent only on a port its host allows', async () => {
    const harness = new AgentHarness();
    agents.push(harness);
    const [allowed = 0, other = 0] = await freePorts(2);
    allowOnHost(harness.stateDir, { ports: [allowed] });
    const refused = await harness.inject('r1', { faultId: 'f1', type: 'backdoor-listener', target: host, params: { port: other } });
    expect([refused.status, refused.body.error?.code]).toEqual([403, 'FD_NOT_ALLOWED']);
    expect(await knock(other)).toBeUndefined();
    const made = await harness.inject('r2', { faultId: 'f1', type: 'backdoor-listener', target: host, params: { port: allowed } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(await knock(allowed)).toMatch(/^SSH-2\.0/);
    const verification = (await harness.revert('r2', 'f1')).body.verification;
    expect(verification, JSON.stringify(verification)).toMatchObject({ ok: true });
    expect(await knock(allowed)).toBeUndefined();
  });
});
