import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileTolerance, judge } from '../../src/experiment/tolerance.js';
import { tcpParams, tcpProbe } from '../../src/probes/tcp.js';
import type { TestServer } from './fixtures.js';
import { freePort, noSignal, startServer } from './fixtures.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

const probe = (params: Record<string, unknown>, signal = noSignal()) => tcpProbe.run(tcpParams.parse(params), { signal });

describe('tcp probe', () => {
  it('connects to a listening port and closes the connection', async () => {
    const output = await probe({ port: server.port });
    expect(output).toMatchObject({ connected: true });
    expect('error' in output).toBe(false);
    const { checks } = compileTolerance(tcpProbe.defaultTolerance, tcpProbe);
    expect(judge(checks, output)).toMatchObject({ met: true, detail: 'connected true' });
  });

  it('counts a refused connection as not connected', async () => {
    const port = await freePort();
    const output = await probe({ host: '127.0.0.1', port });
    expect(output).toMatchObject({ connected: false, error: `connect ECONNREFUSED 127.0.0.1:${port}` });
    const { checks } = compileTolerance(tcpProbe.defaultTolerance, tcpProbe);
    expect(judge(checks, output).detail).toBe('connected false is not true');
  });

  it('rejects when its signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('run aborted'));
    await expect(probe({ port: server.port }, controller.signal)).rejects.toThrow(`connect 127.0.0.1:${server.port} aborted: run aborted`);
  });

  it('needs a port between 1 and 65535 and defaults the host', () => {
    expect(tcpParams.parse({ port: 80 })).toEqual({ host: '127.0.0.1', port: 80, timeout: 2000 });
    expect(tcpParams.safeParse({ port: 0 }).success).toBe(false);
    expect(tcpParams.safeParse({ host: 'db' }).success).toBe(false);
  });
});
