import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startAgent, testServer, userWithToken } from './fixtures.js';

// A second host's agent, registered through the API: the token stays in its file.
describe('agents registered through the API', () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  let remote: ChildProcess;
  let remoteDir: string;
  let admin: string;
  let viewer: string;

  beforeAll(async () => {
    server = await testServer(undefined, { agent: true });
    remoteDir = mkdtempSync(join(tmpdir(), 'fd-remote-agent-'));
    remote = await startAgent(remoteDir);
    admin = await userWithToken(server, 'root', ['admin']);
    viewer = await userWithToken(server, 'watcher', ['viewer']);
  }, 60_000);

  afterAll(async () => {
    const exited = new Promise((resolve) => remote?.once('exit', resolve));
    remote?.kill('SIGTERM');
    await exited;
    rmSync(remoteDir, { recursive: true, force: true });
    await server?.stop();
  });

  it('lists it reachable with its labels, halts and resumes it with the others, and forgets it', async () => {
    const { url } = JSON.parse(readFileSync(join(remoteDir, 'agent.json'), 'utf8')) as { url: string };
    const token = join(remoteDir, 'agent.token');
    const made = await call(server.url, 'POST', '/api/v1/agents', admin, { name: 'dc-b-1', url, labels: { dc: 'b' }, tokenFile: token });
    expect(made.status).toBe(201);
    expect(JSON.stringify(made.body)).not.toContain(readFileSync(token, 'utf8').trim()); // only where it is kept
    const { agents } = (await call(server.url, 'GET', '/api/v1/agents', viewer)).body as {
      agents: { name: string; reachable: boolean; labels?: object }[];
    };
    expect(agents.map((a) => [a.name, a.reachable])).toEqual(
      expect.arrayContaining([
        ['local', true],
        ['dc-b-1', true],
      ]),
    );
    expect(agents.find((a) => a.name === 'dc-b-1')?.labels).toEqual({ dc: 'b' });

    const halt = await call(server.url, 'POST', '/api/v1/halt', admin, { reason: 'two hosts' });
    expect((halt.body.agents as { agent: string; ok: boolean }[]).map((a) => [a.agent, a.ok])).toEqual(
      expect.arrayContaining([['dc-b-1', true]]),
    );
    const halted = (await call(server.url, 'GET', '/api/v1/agents', viewer)).body.agents as { name: string; halted: unknown }[];
    expect(halted.find((a) => a.name === 'dc-b-1')?.halted).toMatchObject({ reason: expect.stringContaining('two hosts') as string });
    await call(server.url, 'POST', '/api/v1/resume', admin, {});
    const resumed = (await call(server.url, 'GET', '/api/v1/agents', viewer)).body.agents as { name: string; halted: unknown }[];
    expect(resumed.find((a) => a.name === 'dc-b-1')?.halted).toBeNull();

    expect((await call(server.url, 'POST', '/api/v1/agents', admin, { name: 'x', url, tokenFile: token, tokenEnv: 'BOTH' })).status).toBe(
      400,
    );
    expect((await call(server.url, 'DELETE', '/api/v1/agents/dc-b-1', admin)).status).toBe(204);
    const after = (await call(server.url, 'GET', '/api/v1/agents', viewer)).body.agents as { name: string }[];
    expect(after.map((a) => a.name)).toEqual(['local']);
  }, 30_000);

  it('keeps listing, halting and resuming the others when one registered agent cannot be addressed (its token file is gone)', async () => {
    const gone = join(remoteDir, 'no-such.token');
    const made = await call(server.url, 'POST', '/api/v1/agents', admin, { name: 'dc-c-1', url: 'http://127.0.0.1:9', tokenFile: gone });
    expect(made.status).toBe(201);
    try {
      const listed = await call(server.url, 'GET', '/api/v1/agents', viewer);
      expect(listed.status).toBe(200);
      const agents = listed.body.agents as { name: string; reachable: boolean; error?: string }[];
      expect(agents.find((a) => a.name === 'local')?.reachable).toBe(true);
      expect(agents.find((a) => a.name === 'dc-c-1')).toMatchObject({ reachable: false, error: expect.stringContaining(gone) as string });
      const halt = await call(server.url, 'POST', '/api/v1/halt', admin, { reason: 'one agent is broken' });
      expect(halt.status).toBe(200);
      expect((halt.body.agents as { agent: string; ok: boolean }[]).map((a) => [a.agent, a.ok])).toEqual(
        expect.arrayContaining([
          ['local', true],
          ['dc-c-1', false],
        ]),
      );
      const resume = await call(server.url, 'POST', '/api/v1/resume', admin, {});
      expect(resume.status).toBe(200);
      expect((await call(server.url, 'GET', '/metrics', admin)).status).toBe(200);
    } finally {
      await call(server.url, 'POST', '/api/v1/resume', admin, {});
      await call(server.url, 'DELETE', '/api/v1/agents/dc-c-1', admin);
    }
  }, 30_000);
});
