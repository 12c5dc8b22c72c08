import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processState } from '../../src/targets/proc.js';
import { eventually } from '../probes/fixtures.js';
import { DIALECTS, storeSite } from '../store/fixtures.js';
import type { StoreSite } from '../store/fixtures.js';
import { call, pauseExperiment, testServer, userWithToken } from './fixtures.js';

const pause = (pid: number, duration: string) => pauseExperiment(pid, duration, `pause ${duration}`, ['server']);

/** The events of a run's live stream until its `end` (SSE, parsed), reading from `after`. */
async function stream(url: string, token: string, runId: string, after?: number): Promise<{ id?: string; event: string; data: string }[]> {
  const response = await fetch(`${url}/api/v1/runs/${runId}/events`, {
    headers: { authorization: `Bearer ${token}`, ...(after !== undefined && { 'last-event-id': String(after) }) },
  });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const field = (name: string) =>
        block
          .split('\n')
          .find((line) => line.startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim();
      return { id: field('id'), event: field('event') ?? 'message', data: field('data') ?? '' };
    });
}

describe.each(DIALECTS)('runs through the control plane over %s', (dialect) => {
  let site: StoreSite;
  let server: Awaited<ReturnType<typeof testServer>>;
  let sleeper: ChildProcess;
  let facilitator: string;
  let responder: string;

  beforeAll(async () => {
    site = await storeSite(dialect);
    server = await testServer(dialect === 'postgres' ? await site.location() : undefined, { agent: true });
    facilitator = await userWithToken(server, 'fac', ['facilitator']);
    responder = await userWithToken(server, 'resp', ['responder']);
    sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
  }, 60_000);

  afterAll(async () => {
    sleeper?.kill('SIGKILL');
    await server?.stop();
    await site?.close();
  });

  it('runs an experiment on the local agent, streams its events live, and stores its verdict and journal', async () => {
    const pid = sleeper.pid ?? 0;
    const made = await call(server.url, 'POST', '/api/v1/experiments', facilitator, { name: 'pause', yaml: pause(pid, '1s') });
    const started = await call(server.url, 'POST', '/api/v1/runs', facilitator, {
      experimentId: (made.body.experiment as { id: string }).id,
    });
    expect(started.status).toBe(201);
    const run = started.body.run as { id: string; state: string };
    expect(run.state).toBe('running');
    await eventually(() => expect(processState(pid)).toBe('T'));
    const events = await stream(server.url, facilitator, run.id);
    const types = events.map((e) => e.event);
    expect(types).toContain('fault-injected');
    expect(types).toContain('fault-reverted');
    expect(types.at(-2)).toBe('run-ended');
    expect(types.at(-1)).toBe('end');
    expect(JSON.parse(events.at(-1)?.data ?? '{}')).toMatchObject({ verdict: 'passed' });
    // The revert is real: the process runs again.
    expect(processState(pid)).not.toBe('T');
    const got = await call(server.url, 'GET', `/api/v1/runs/${run.id}`, responder);
    expect(got.body).toMatchObject({
      run: { state: 'ended', verdict: 'passed', startedBy: 'fac' },
      journal: { verdict: 'passed', runId: run.id },
    });
    // Resumable: after the third event, the stream goes on from the fourth.
    const resumed = await stream(server.url, facilitator, run.id, 3);
    expect(resumed[0]?.id).toBe('4');
    // The same reports as `firedrill report`, from the store.
    const html = await fetch(`${server.url}/api/v1/runs/${run.id}/report/html`, { headers: { authorization: `Bearer ${responder}` } });
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(await html.text()).toMatch(/<!doctype html>[\s\S]*pause 1s[\s\S]*passed/i);
    const junit = await call(server.url, 'GET', `/api/v1/runs/${run.id}/report/junit`, responder);
    expect(String(junit.body.text)).toContain('<testsuite');
    expect((await call(server.url, 'GET', `/api/v1/runs/${run.id}/report/pdf`, responder)).status).toBe(404);
    // The journal, and any report, as a download.
    const journal = await fetch(`${server.url}/api/v1/runs/${run.id}/report/json`, { headers: { authorization: `Bearer ${responder}` } });
    expect(journal.headers.get('content-disposition')).toBe(`attachment; filename="${run.id}.json"`);
    expect(await journal.json()).toMatchObject({ runId: run.id, verdict: 'passed' });
    const md = await fetch(`${server.url}/api/v1/runs/${run.id}/report/md?download=1`, {
      headers: { authorization: `Bearer ${responder}` },
    });
    expect(md.headers.get('content-disposition')).toBe(`attachment; filename="${run.id}.md"`);
    const list = (await call(server.url, 'GET', '/api/v1/runs?verdict=passed&tag=server', responder)).body.runs as {
      id: string;
      targets: string;
    }[];
    expect(list.map((r) => r.id)).toContain(run.id);
    // What it hit, in a few words, for the list.
    expect(list.find((r) => r.id === run.id)?.targets).toMatch(/^\w+: 1 process \(sleep\)$/);
  }, 30_000);

  it('cancels a running run: aborted, its fault reverted at once', async () => {
    const pid = sleeper.pid ?? 0;
    const started = await call(server.url, 'POST', '/api/v1/runs', facilitator, { yaml: pause(pid, '60s'), name: 'long.yaml' });
    const id = (started.body.run as { id: string }).id;
    await eventually(() => expect(processState(pid)).toBe('T'));
    expect((await call(server.url, 'POST', `/api/v1/runs/${id}/cancel`, responder, {})).status).toBe(403);
    const cancel = await call(server.url, 'POST', `/api/v1/runs/${id}/cancel`, facilitator, { reason: 'enough' });
    expect(cancel.status).toBe(202);
    await eventually(async () =>
      expect((await call(server.url, 'GET', `/api/v1/runs/${id}`, facilitator)).body).toMatchObject({ run: { verdict: 'aborted' } }),
    );
    expect(processState(pid)).not.toBe('T');
    const reason = ((await call(server.url, 'GET', `/api/v1/runs/${id}`, facilitator)).body.run as { reason: string }).reason;
    expect(reason).toContain('cancelled by fac: enough');
  }, 30_000);

  it('keeps a secret run from a responder — list, read and stream — until it is revealed', async () => {
    const started = await call(server.url, 'POST', '/api/v1/runs', facilitator, {
      yaml: 'title: covert\nmethod:\n  - { name: w, wait: 10ms }\n',
      secret: true,
    });
    const id = (started.body.run as { id: string }).id;
    await eventually(async () =>
      expect((await call(server.url, 'GET', `/api/v1/runs/${id}`, facilitator)).body).toMatchObject({ run: { state: 'ended' } }),
    );
    expect(JSON.stringify((await call(server.url, 'GET', '/api/v1/runs', responder)).body)).not.toContain(id);
    expect(JSON.stringify((await call(server.url, 'GET', '/api/v1/runs', responder)).body)).not.toContain('covert');
    for (const path of [`/api/v1/runs/${id}`, `/api/v1/runs/${id}/events`]) {
      const reply = await call(server.url, 'GET', path, responder);
      expect(reply.status).toBe(404);
      expect(JSON.stringify(reply.body)).not.toContain('covert');
    }
    expect((await call(server.url, 'POST', `/api/v1/runs/${id}/reveal`, responder, {})).status).toBe(404);
    expect((await call(server.url, 'POST', `/api/v1/runs/${id}/reveal`, facilitator, {})).status).toBe(200);
    expect((await call(server.url, 'GET', `/api/v1/runs/${id}`, responder)).body).toMatchObject({ run: { title: 'covert' } });
  }, 30_000);

  it('lists a villain’s own secret run to them, and no one else’s', async () => {
    const villain = await userWithToken(server, `vil-${dialect}`, ['villain']);
    const other = await userWithToken(server, `vil2-${dialect}`, ['villain']);
    const made = await call(server.url, 'POST', '/api/v1/experiments', villain, {
      name: `heist-${dialect}`,
      yaml: 'title: heist\nmethod:\n  - { name: w, wait: 10ms }\n',
    });
    const started = await call(server.url, 'POST', '/api/v1/runs', facilitator, {
      experimentId: (made.body.experiment as { id: string }).id,
    });
    const id = (started.body.run as { id: string }).id;
    expect(((await call(server.url, 'GET', '/api/v1/runs', villain)).body.runs as { id: string }[]).map((r) => r.id)).toContain(id);
    expect(JSON.stringify((await call(server.url, 'GET', '/api/v1/runs', other)).body)).not.toContain(id);
    expect(JSON.stringify((await call(server.url, 'GET', '/api/v1/runs', responder)).body)).not.toContain(id);
    expect((await call(server.url, 'GET', `/api/v1/runs/${id}`, other)).status).toBe(404);
  });

  it('refuses a run request that names both or neither of an experiment and a text', async () => {
    expect((await call(server.url, 'POST', '/api/v1/runs', facilitator, {})).status).toBe(400);
    const bad = await call(server.url, 'POST', '/api/v1/runs', facilitator, { yaml: 'title: x\nmethod:\n  - { fault: nope }\n' });
    expect(bad.status).toBe(400);
    expect((bad.body.error as { problems: unknown[] }).problems.length).toBeGreaterThan(0);
  });
});
