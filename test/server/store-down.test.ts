import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processState } from '../../src/targets/proc.js';
import { eventually } from '../probes/fixtures.js';
import { storeSite } from '../store/fixtures.js';
import type { StoreSite } from '../store/fixtures.js';
import { call, pauseExperiment, testServer, userWithToken } from './fixtures.js';

// PostgreSQL stops under a running server: the API says 503, runs go on reverting safely, and
// what could not be stored is stored once the database is back.
describe('a store that goes away mid-run', () => {
  let site: StoreSite;
  let server: Awaited<ReturnType<typeof testServer>>;
  let sleeper: ChildProcess;
  let token: string;

  beforeAll(async () => {
    site = await storeSite('postgres');
    server = await testServer(await site.location(), { agent: true });
    token = await userWithToken(server, 'fac', ['facilitator']);
    sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
  }, 60_000);

  afterAll(async () => {
    sleeper?.kill('SIGKILL');
    await site?.start?.().catch(() => undefined);
    await server?.stop();
    await site?.close();
  });

  it('answers 503, reverts the run’s fault on time, and stores the run’s end once the store is back', async () => {
    const pid = sleeper.pid ?? 0;
    const yaml = pauseExperiment(pid, '2s', 'outage');
    const id = ((await call(server.url, 'POST', '/api/v1/runs', token, { yaml })).body.run as { id: string }).id;
    await eventually(() => expect(processState(pid)).toBe('T'));
    await site.stop?.();
    const down = await call(server.url, 'GET', '/api/v1/runs', token);
    expect(down).toMatchObject({ status: 503, body: { error: { code: 'FD_STORE_UNREACHABLE' } } });
    expect(JSON.stringify(down.body)).not.toMatch(/ECONNREFUSED|at .*\.js/); // no internals
    // The run does not need the store to revert: the pause ends with its step.
    await eventually(() => expect(processState(pid)).not.toBe('T'), 10_000);
    await site.start?.();
    await eventually(async () => {
      const reply = await call(server.url, 'GET', `/api/v1/runs/${id}`, token);
      expect(reply.body).toMatchObject({ run: { state: 'ended', verdict: 'passed' } });
    }, 15_000);
  }, 60_000);
});
