import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processState } from '../../src/targets/proc.js';
import { eventually } from '../probes/fixtures.js';
import { DIALECTS, storeSite } from '../store/fixtures.js';
import type { StoreSite } from '../store/fixtures.js';
import { call, pauseExperiment, testServer, userWithToken } from './fixtures.js';

describe.each(DIALECTS)('halt through the control plane over %s', (dialect) => {
  let site: StoreSite;
  let server: Awaited<ReturnType<typeof testServer>>;
  let sleeper: ChildProcess;
  let facilitator: string;
  let responder: string;
  let admin: string;

  beforeAll(async () => {
    site = await storeSite(dialect);
    server = await testServer(dialect === 'postgres' ? await site.location() : undefined, { agent: true });
    facilitator = await userWithToken(server, 'fac', ['facilitator']);
    responder = await userWithToken(server, 'resp', ['responder']);
    admin = await userWithToken(server, 'root', ['admin']);
    sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
  }, 60_000);

  afterAll(async () => {
    sleeper?.kill('SIGKILL');
    await server?.stop();
    await site?.close();
  });

  it('aborts every run, reverts every fault on the agents, refuses new runs until resume, and audits both', async () => {
    const pid = sleeper.pid ?? 0;
    const yaml = pauseExperiment(pid, '60s');
    const id = ((await call(server.url, 'POST', '/api/v1/runs', facilitator, { yaml })).body.run as { id: string }).id;
    await eventually(() => expect(processState(pid)).toBe('T'));

    expect((await call(server.url, 'POST', '/api/v1/halt', responder, { reason: 'no' })).status).toBe(403);
    const halt = await call(server.url, 'POST', '/api/v1/halt', facilitator, { reason: 'customers see errors' });
    expect(halt.status).toBe(200);
    expect(halt.body).toMatchObject({ halted: { reason: 'customers see errors', by: 'fac' }, runsAborted: 1 });
    expect((halt.body.agents as { ok: boolean }[]).every((a) => a.ok)).toBe(true);
    await eventually(() => expect(processState(pid)).not.toBe('T'));
    await eventually(async () =>
      expect((await call(server.url, 'GET', `/api/v1/runs/${id}`, responder)).body).toMatchObject({ run: { verdict: 'aborted' } }),
    );

    expect((await call(server.url, 'GET', '/api/v1/halt', responder)).body).toMatchObject({ halted: { reason: 'customers see errors' } });
    const refused = await call(server.url, 'POST', '/api/v1/runs', facilitator, {
      yaml: 'title: w\nmethod:\n  - { name: w, wait: 10ms }\n',
    });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'FD_HALTED' } } });

    expect((await call(server.url, 'POST', '/api/v1/resume', facilitator, {})).status).toBe(200);
    expect((await call(server.url, 'GET', '/api/v1/halt', responder)).body).toEqual({ halted: null });
    const again = await call(server.url, 'POST', '/api/v1/runs', facilitator, { yaml: 'title: w\nmethod:\n  - { name: w, wait: 10ms }\n' });
    expect(again.status).toBe(201);

    const actions = ((await call(server.url, 'GET', '/api/v1/audit', admin)).body.records as { action: string; actor: string }[]).map(
      (r) => `${r.actor} ${r.action}`,
    );
    expect(actions).toEqual(expect.arrayContaining(['fac halt', 'fac resume', 'resp POST /api/v1/halt']));
  }, 40_000);

  it('pushes the halt to every connected page at once: the state now, a halt, a resume, and one said by another replica', async () => {
    const said: unknown[] = [];
    const closed = new AbortController();
    const response = await fetch(`${server.url}/api/v1/halt/events`, {
      headers: { authorization: `Bearer ${responder}` },
      signal: closed.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const data = /^data: (.*)$/m.exec(buffer.slice(0, end))?.[1];
          if (data) said.push((JSON.parse(data) as { halted: unknown }).halted);
          buffer = buffer.slice(end + 2);
        }
      }
    })().catch(() => undefined);
    try {
      await eventually(() => expect(said).toEqual([null]));
      await call(server.url, 'POST', '/api/v1/halt', facilitator, { reason: 'pushed' });
      await eventually(() => expect(said.at(-1)).toMatchObject({ reason: 'pushed', by: 'fac' }));
      await call(server.url, 'POST', '/api/v1/resume', facilitator, {});
      await eventually(() => expect(said.at(-1)).toBeNull());
      // Another replica writes the store only: this one reads it again within its poll.
      await server.store.settings.set('halt', { reason: 'elsewhere', by: 'other', at: new Date().toISOString() });
      await eventually(() => expect(said.at(-1)).toMatchObject({ reason: 'elsewhere' }));
      await server.store.settings.remove('halt');
      await eventually(() => expect(said.at(-1)).toBeNull());
      expect(said).toHaveLength(5);
    } finally {
      closed.abort();
      await reading;
    }
  }, 30_000);
});
