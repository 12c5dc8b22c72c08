import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { processState } from '../../src/targets/proc.js';
import { eventually } from '../probes/fixtures.js';
import { storeSite } from '../store/fixtures.js';
import type { StoreSite } from '../store/fixtures.js';
import { call, pauseExperiment, serverProcess, startAgent } from './fixtures.js';

// Two `firedrill server` replicas over one PostgreSQL, on one host's agent.
describe('two replicas over one PostgreSQL', () => {
  let site: StoreSite;
  let dir: string;
  let agent: ChildProcess;
  let sleeper: ChildProcess;
  let a: Awaited<ReturnType<typeof serverProcess>>;
  let b: Awaited<ReturnType<typeof serverProcess>>;
  let token: string;

  beforeAll(async () => {
    site = await storeSite('postgres');
    const database = await site.location();
    dir = mkdtempSync(join(tmpdir(), 'fd-replicas-'));
    agent = await startAgent(join(dir, '.firedrill'));
    const args = ['--database', database, '--run-lease', '1s', '--lease-ttl', '1s'];
    a = await serverProcess(dir, ...args);
    b = await serverProcess(dir, ...args);
    const store = await Store.open(database);
    const user = await store.users.create('fac', ['facilitator']);
    token = (await store.users.issueToken(user.id, 't')).token;
    await store.close();
    sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
  }, 60_000);

  afterAll(async () => {
    sleeper?.kill('SIGKILL');
    for (const child of [a?.child, b?.child, agent]) child?.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    rmSync(dir, { recursive: true, force: true });
    await site?.close();
  });

  const pause = (duration: string) => pauseExperiment(sleeper.pid ?? 0, duration);

  it('makes the admin once: only the first replica prints a password', () => {
    expect(a.out).toMatch(/one-time password/);
    expect(b.out).not.toMatch(/password/);
  });

  it('serves the same runs from both, and a cancel sent to one reaches the run the other executes', async () => {
    const id = ((await call(a.url, 'POST', '/api/v1/runs', token, { yaml: pause('60s') })).body.run as { id: string }).id;
    await eventually(() => expect(processState(sleeper.pid ?? 0)).toBe('T'), 15_000);
    expect(((await call(b.url, 'GET', '/api/v1/runs', token)).body.runs as { id: string }[]).map((r) => r.id)).toContain(id);
    expect((await call(b.url, 'POST', `/api/v1/runs/${id}/cancel`, token, { reason: 'from b' })).status).toBe(202);
    await eventually(
      async () => expect((await call(b.url, 'GET', `/api/v1/runs/${id}`, token)).body).toMatchObject({ run: { verdict: 'aborted' } }),
      15_000,
    );
    expect(processState(sleeper.pid ?? 0)).not.toBe('T');
  }, 40_000);

  it('marks aborted the run of a replica killed with -9, whose fault the agent reverted on its lease', async () => {
    const id = ((await call(a.url, 'POST', '/api/v1/runs', token, { yaml: pause('60s') })).body.run as { id: string }).id;
    await eventually(() => expect(processState(sleeper.pid ?? 0)).toBe('T'), 15_000);
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    // The agent's lease (1 s) reverts the fault; the other replica ends the run once the claim (1 s) lapsed.
    await eventually(() => expect(processState(sleeper.pid ?? 0)).not.toBe('T'), 10_000);
    await eventually(async () => {
      const { run } = (await call(b.url, 'GET', `/api/v1/runs/${id}`, token)).body as {
        run: { state: string; verdict: string; reason: string; endedAt: number };
      };
      expect(run).toMatchObject({ state: 'ended', verdict: 'aborted' });
      expect(run.reason).toContain('stopped renewing its claim');
      expect(run.endedAt).toBeGreaterThan(killedAt); // how soon is measured by bench/, not asserted here
    }, 10_000);
  }, 40_000);
});
