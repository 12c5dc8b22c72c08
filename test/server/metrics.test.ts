import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processState } from '../../src/targets/proc.js';
import { eventually } from '../probes/fixtures.js';
import { call, pauseExperiment, testServer, userWithToken } from './fixtures.js';

/** The value of one sample of the Prometheus text, 0 when absent. */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

describe('metrics and agents of the control plane', () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  let sleeper: ChildProcess;
  let facilitator: string;
  let responder: string;

  beforeAll(async () => {
    server = await testServer(undefined, { agent: true });
    facilitator = await userWithToken(server, 'fac', ['facilitator']);
    responder = await userWithToken(server, 'resp', ['responder']);
    sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
  }, 60_000);

  afterAll(async () => {
    sleeper?.kill('SIGKILL');
    await server?.stop();
  });

  const metrics = async (): Promise<string> => {
    const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${responder}` } });
    expect(response.status).toBe(200);
    return response.text();
  };
  const pause = (duration: string) => pauseExperiment(sleeper.pid ?? 0, duration);

  it('needs a token', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
  });

  it('counts runs by verdict and active faults by type, with agents up and the halt', async () => {
    const id = ((await call(server.url, 'POST', '/api/v1/runs', facilitator, { yaml: pause('2s') })).body.run as { id: string }).id;
    await eventually(() => expect(processState(sleeper.pid ?? 0)).toBe('T'));
    await eventually(async () => expect(sample(await metrics(), 'firedrill_active_faults{type="process-pause"}')).toBe(1));
    await eventually(async () =>
      expect((await call(server.url, 'GET', `/api/v1/runs/${id}`, responder)).body).toMatchObject({ run: { verdict: 'passed' } }),
    );
    const text = await metrics();
    expect(sample(text, 'firedrill_runs_total{verdict="passed"}')).toBe(1);
    expect(sample(text, 'firedrill_active_faults{type="process-pause"}')).toBe(0);
    expect(sample(text, 'firedrill_agents_up')).toBe(1);
    expect(sample(text, 'firedrill_halted')).toBe(0);
  }, 30_000);

  it('says nothing of a secret run until it is revealed: no active fault, no verdict, no fault on the agents list', async () => {
    const id = (
      (await call(server.url, 'POST', '/api/v1/runs', facilitator, { yaml: pause('2s'), secret: true })).body.run as { id: string }
    ).id;
    await eventually(() => expect(processState(sleeper.pid ?? 0)).toBe('T'));
    expect(sample(await metrics(), 'firedrill_active_faults{type="process-pause"}')).toBe(0);
    const seen = (await call(server.url, 'GET', '/api/v1/agents', responder)).body;
    expect(JSON.stringify(seen)).not.toContain(id);
    expect(JSON.stringify((await call(server.url, 'GET', '/api/v1/agents', facilitator)).body)).toContain(id);
    await eventually(async () =>
      expect((await call(server.url, 'GET', `/api/v1/runs/${id}`, facilitator)).body).toMatchObject({ run: { state: 'ended' } }),
    );
    expect(sample(await metrics(), 'firedrill_runs_total{verdict="passed"}')).toBe(1);
    await call(server.url, 'POST', `/api/v1/runs/${id}/reveal`, facilitator, {});
    expect(sample(await metrics(), 'firedrill_runs_total{verdict="passed"}')).toBe(2);
  }, 30_000);
});
