import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, storeSite } from '../store/fixtures.js';
import type { StoreSite } from '../store/fixtures.js';
import { call, testServer, userWithToken } from './fixtures.js';

const VALID = `title: A replica dies
method:
  - name: breathe
    wait: 1s
`;
const SECRET = `title: The heist
method:
  - name: hide
    wait: 1s
`;

describe.each(DIALECTS)('the control plane API over %s', (dialect) => {
  let site: StoreSite;
  let server: Awaited<ReturnType<typeof testServer>>;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    site = await storeSite(dialect);
    server = await testServer(dialect === 'postgres' ? await site.location() : undefined);
    for (const role of ['admin', 'facilitator', 'villain', 'responder', 'viewer'] as const)
      tokens[role] = await userWithToken(server, role === 'admin' ? 'root' : role, [role]);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await site?.close();
  });

  it('makes an admin with a one-time password on its first start, and logs in with it to a session guarded by CSRF', async () => {
    expect(server.admin?.name).toBe('admin');
    const login = await fetch(`${server.url}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'admin', password: server.admin?.password }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/fd_session=fds_/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const { csrf } = (await login.json()) as { csrf: string };
    const session = cookie.split(';')[0] ?? '';
    expect((await call(server.url, 'GET', '/api/v1/me', undefined, undefined, { cookie: session })).body).toMatchObject({
      user: { name: 'admin' },
    });
    // A change through the session without its CSRF token is refused, and audited.
    const forged = await call(server.url, 'POST', '/api/v1/tokens', undefined, { name: 'x' }, { cookie: session });
    expect(forged.status).toBe(403);
    expect(forged.body).toMatchObject({ error: { code: 'FD_CSRF' } });
    const made = await call(server.url, 'POST', '/api/v1/tokens', undefined, { name: 'x' }, { cookie: session, 'x-csrf-token': csrf });
    expect(made.status).toBe(201);
    const wrong = await call(server.url, 'POST', '/api/v1/login', undefined, { name: 'admin', password: 'not it' });
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'FD_UNAUTHORIZED', message: 'wrong name or password' } } });
  });

  it('refuses a missing, wrong or revoked token with 401', async () => {
    expect((await call(server.url, 'GET', '/api/v1/experiments')).status).toBe(401);
    expect((await call(server.url, 'GET', '/api/v1/experiments', 'fdt_nope')).status).toBe(401);
    const token = await userWithToken(server, 'leaver', ['viewer']);
    expect((await call(server.url, 'GET', '/api/v1/experiments', token)).status).toBe(200);
    const [info] = (await call(server.url, 'GET', '/api/v1/tokens', token)).body.tokens as { id: string }[];
    expect((await call(server.url, 'DELETE', `/api/v1/tokens/${info?.id ?? ''}`, token)).status).toBe(204);
    expect((await call(server.url, 'GET', '/api/v1/experiments', token)).status).toBe(401);
  });

  it('validates an experiment with the CLI rules and answers its problems at line and column', async () => {
    const bad = await call(server.url, 'POST', '/api/v1/experiments', tokens.facilitator, {
      name: 'bad',
      yaml: 'title: x\nmethod:\n  - name: a\n    fault: no-such-fault\n',
    });
    expect(bad.status).toBe(400);
    const problems = (bad.body.error as { problems: { line: number; col: number; path: string; message: string }[] }).problems;
    expect(problems[0]).toMatchObject({ line: 4, path: expect.stringContaining('method[0]') as string });
    expect(problems[0]?.message).toContain('no-such-fault');
    const broken = await call(server.url, 'POST', '/api/v1/experiments/validate', tokens.facilitator, { yaml: 'title: [unclosed\n' });
    expect(broken.status).toBe(400);
    expect((broken.body.error as { problems: { line: number }[] }).problems[0]?.line).toBeGreaterThan(0);
  });

  it('keeps versions: create, update, read them back with their authors', async () => {
    const made = await call(server.url, 'POST', '/api/v1/experiments', tokens.facilitator, { name: 'replica', yaml: VALID });
    expect(made.status).toBe(201);
    const id = (made.body.experiment as { id: string }).id;
    const updated = await call(server.url, 'PUT', `/api/v1/experiments/${id}`, tokens.admin, { yaml: VALID.replace('1s', '2s') });
    expect(updated.body).toMatchObject({ experiment: { version: 2 } });
    const versions = (await call(server.url, 'GET', `/api/v1/experiments/${id}/versions`, tokens.viewer)).body.versions as {
      version: number;
      author: string;
    }[];
    expect(versions.map((v) => [v.version, v.author])).toEqual([
      [2, 'root'],
      [1, 'facilitator'],
    ]);
    expect((await call(server.url, 'POST', '/api/v1/experiments', tokens.facilitator, { name: 'replica', yaml: VALID })).status).toBe(409);
  });

  it('hides a secret scenario from responders and viewers as if it did not exist, in lists and by id', async () => {
    const made = await call(server.url, 'POST', '/api/v1/experiments', tokens.villain, { name: 'heist', yaml: SECRET });
    expect(made.status).toBe(201);
    const id = (made.body.experiment as { id: string; secret: boolean }).id;
    expect((made.body.experiment as { secret: boolean }).secret).toBe(true);
    for (const role of ['responder', 'viewer']) {
      const list = await call(server.url, 'GET', '/api/v1/experiments', tokens[role]);
      expect(JSON.stringify(list.body)).not.toContain('heist');
      expect(JSON.stringify(list.body)).not.toContain('The heist');
      for (const path of [`/api/v1/experiments/${id}`, `/api/v1/experiments/${id}/versions`]) {
        const reply = await call(server.url, 'GET', path, tokens[role]);
        expect(reply.status).toBe(404);
        expect(JSON.stringify(reply.body)).not.toContain('heist');
      }
      expect((await call(server.url, 'DELETE', `/api/v1/experiments/${id}`, tokens[role])).status).toBe(404);
    }
    for (const role of ['villain', 'facilitator', 'admin']) {
      expect((await call(server.url, 'GET', `/api/v1/experiments/${id}`, tokens[role])).body).toMatchObject({ yaml: SECRET });
    }
  });

  it('allows each route to the roles of its row, and no other (role × route)', async () => {
    const matrix: [string, string, (role: string) => unknown, string[]][] = [
      ['GET', '/api/v1/experiments', () => undefined, ['admin', 'facilitator', 'villain', 'responder', 'viewer']],
      ['POST', '/api/v1/experiments/validate', () => ({ yaml: VALID }), ['admin', 'facilitator', 'villain']],
      ['POST', '/api/v1/experiments', (role) => ({ name: `m-${role}`, yaml: VALID, secret: false }), ['admin', 'facilitator', 'villain']],
      ['GET', '/api/v1/users', () => undefined, ['admin']],
      ['POST', '/api/v1/users', (role) => ({ name: `u-${role}`, roles: ['viewer'] }), ['admin']],
      ['GET', '/api/v1/audit', () => undefined, ['admin']],
      ['GET', '/api/v1/me', () => undefined, ['admin', 'facilitator', 'villain', 'responder', 'viewer']],
    ];
    for (const [method, path, body, allowed] of matrix) {
      for (const role of ['admin', 'facilitator', 'villain', 'responder', 'viewer']) {
        const reply = await call(server.url, method, path, tokens[role], body(role));
        const ok = reply.status < 300;
        expect({ method, path, role, ok, status: reply.status }).toEqual({
          method,
          path,
          role,
          ok: allowed.includes(role),
          status: ok ? reply.status : 403,
        });
      }
    }
  });

  it('audits every change with who, what, from where and the outcome — refusals too', async () => {
    await call(server.url, 'POST', '/api/v1/users', tokens.viewer, { name: 'sneaky', roles: ['admin'] });
    const records = (await call(server.url, 'GET', '/api/v1/audit?limit=500', tokens.admin)).body.records as {
      actor: string;
      action: string;
      outcome: string;
      address: string;
    }[];
    expect(records.find((r) => r.action === 'experiment.create' && r.actor === 'facilitator')).toMatchObject({
      outcome: 'ok',
      address: '127.0.0.1',
    });
    expect(records.find((r) => r.actor === 'viewer' && r.action === 'POST /api/v1/users')).toMatchObject({
      outcome: 'denied: FD_FORBIDDEN',
    });
    expect(records.find((r) => r.action === 'login' && r.outcome.startsWith('denied'))).toBeDefined();
    const onlyLogins = (await call(server.url, 'GET', '/api/v1/audit?action=login', tokens.admin)).body.records as { action: string }[];
    expect(onlyLogins.length).toBeGreaterThan(0);
    expect(onlyLogins.every((r) => r.action === 'login')).toBe(true);
  });

  it('refuses unknown fields, bad JSON and oversized bodies with a clear error', async () => {
    const extra = await call(server.url, 'POST', '/api/v1/experiments', tokens.admin, { name: 'x', yaml: VALID, owner: 'me' });
    expect(extra).toMatchObject({ status: 400, body: { error: { code: 'FD_INVALID_BODY' } } });
    expect(JSON.stringify(extra.body)).toContain('owner');
    expect((await call(server.url, 'POST', '/api/v1/experiments', tokens.admin, '{nope')).body).toMatchObject({
      error: { code: 'FD_INVALID_BODY' },
    });
    const huge = await call(server.url, 'POST', '/api/v1/experiments', tokens.admin, { name: 'big', yaml: 'x'.repeat(2 * 1024 * 1024) });
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'FD_BODY_TOO_LARGE' } } });
    expect((await call(server.url, 'GET', '/api/v1/nothing', tokens.admin)).status).toBe(404);
  });
});
