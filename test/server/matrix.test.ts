import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, testServer, userWithToken } from './fixtures.js';

const ROLES = ['admin', 'facilitator', 'villain', 'responder', 'lead', 'viewer', 'alert-source', 'phishing-admin'] as const;
type Role = (typeof ROLES)[number];
const ALL: readonly Role[] = ROLES;
/** A game day the matrix's users take part in: villain wrote it, responder and lead respond, viewer observes. */
const gameDay = (name: string) =>
  `name: ${name}\ntitle: matrix day\nvillains: [villain]\nteams: { t: [responder, lead] }\nobservers: [viewer]\n` +
  'scenario:\n  - { name: s, experiment: m, trigger: { manual: true } }\n';
/**
 * Every role of a person who reads the resilience drills: a monitoring tool's token
 * (alert-source) reads nothing; a phishing admin runs phishing drills only (least privilege).
 */
const PEOPLE: readonly Role[] = ROLES.filter((r) => r !== 'alert-source' && r !== 'phishing-admin');
const quick = 'title: quick\nmethod:\n  - { name: w, wait: 10ms }\n';
const drills = 'drills:\n  - { name: matrix-drill, team: t, experiment: m, schedule: { once: "2099-01-01T10:00:00Z" } }\n';

/**
 * Every route of the API × every role: allowed (anything but 401/403) or refused (403). What a
 * route does is tested elsewhere; this holds who may call it. test/server/openapi.test.ts holds
 * the route list itself equal to the app's, and this one must name each of them.
 */
describe('role × route', () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  const tokens = {} as Record<Role, string>;
  let experiment = '';
  let run = '';
  let webhook = '';
  let userId = '';
  let incident = '';
  let gameday = '';
  /** A token of each role's own, for it to revoke. */
  const spare = {} as Record<Role, string>;

  beforeAll(async () => {
    server = await testServer();
    for (const role of ROLES) {
      tokens[role] = await userWithToken(server, role === 'admin' ? 'root' : role, [role]);
      const me = (await call(server.url, 'GET', '/api/v1/me', tokens[role])).body as { user: { id: string } };
      spare[role] = (await server.store.users.issueToken(me.user.id, 'spare')).info.id;
    }
    experiment = (
      (await call(server.url, 'POST', '/api/v1/experiments', tokens.admin, { name: 'm', yaml: quick })).body.experiment as { id: string }
    ).id;
    run = ((await call(server.url, 'POST', '/api/v1/runs', tokens.admin, { yaml: quick })).body.run as { id: string }).id;
    for (;;) {
      const got = (await call(server.url, 'GET', `/api/v1/runs/${run}`, tokens.admin)).body as { run: { state: string } };
      if (got.run.state === 'ended') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    webhook = (
      (await call(server.url, 'POST', '/api/v1/webhooks', tokens.admin, { url: 'http://127.0.0.1:9/', kind: 'slack', events: ['halt'] }))
        .body.webhook as { id: string }
    ).id;
    expect((await call(server.url, 'POST', '/api/v1/drills/apply', tokens.admin, { yaml: drills })).status).toBe(200);
    incident = ((await call(server.url, 'POST', '/api/v1/incidents', tokens.admin, { title: 'matrix' })).body.incident as { id: string })
      .id;
    gameday = (
      (await call(server.url, 'POST', '/api/v1/gamedays/apply', tokens.admin, { yaml: gameDay('matrix-day') })).body.gameday as {
        id: string;
      }
    ).id;
    userId = (
      (await call(server.url, 'POST', '/api/v1/users', tokens.admin, { name: 'target', roles: ['viewer'] })).body.user as { id: string }
    ).id;
  }, 60_000);

  afterAll(async () => server?.stop());

  const rows: [string, (role: Role) => string, (role: Role) => unknown, readonly Role[]][] = [
    ['GET', () => '/api/v1/me', () => undefined, ALL],
    ['GET', () => '/api/v1/experiments', () => undefined, PEOPLE],
    ['POST', () => '/api/v1/experiments', (r) => ({ name: `e-${r}`, yaml: quick, secret: false }), ['admin', 'facilitator', 'villain']],
    ['POST', () => '/api/v1/experiments/validate', () => ({ yaml: quick }), ['admin', 'facilitator', 'villain']],
    ['GET', () => `/api/v1/experiments/${experiment}`, () => undefined, PEOPLE],
    ['PUT', () => `/api/v1/experiments/${experiment}`, () => ({ yaml: quick }), ['admin', 'facilitator', 'villain']],
    ['GET', () => `/api/v1/experiments/${experiment}/versions`, () => undefined, PEOPLE],
    ['POST', () => '/api/v1/runs', () => ({ yaml: quick }), ['admin', 'facilitator']],
    ['GET', () => '/api/v1/runs', () => undefined, PEOPLE],
    ['GET', () => `/api/v1/runs/${run}`, () => undefined, PEOPLE],
    ['GET', () => `/api/v1/runs/${run}/events`, () => undefined, PEOPLE],
    ['GET', () => `/api/v1/runs/${run}/report/md`, () => undefined, PEOPLE],
    ['POST', () => `/api/v1/runs/${run}/cancel`, () => ({}), ['admin', 'facilitator']],
    ['POST', () => `/api/v1/runs/${run}/reveal`, () => ({}), ['admin', 'facilitator']],
    ['GET', () => '/api/v1/halt', () => undefined, PEOPLE],
    ['GET', () => '/api/v1/halt/events', () => undefined, PEOPLE],
    ['GET', () => '/api/v1/agents', () => undefined, PEOPLE],
    ['POST', () => '/api/v1/agents', (r) => ({ name: `a-${r}`, url: 'http://127.0.0.1:9', tokenEnv: 'NO_SUCH_TOKEN' }), ['admin']],
    ['GET', () => '/api/v1/users', () => undefined, ['admin']],
    ['POST', () => '/api/v1/users', (r) => ({ name: `u-${r}`, roles: ['viewer'] }), ['admin']],
    ['PUT', () => `/api/v1/users/${userId}/roles`, () => ({ roles: ['viewer'] }), ['admin']],
    ['GET', () => '/api/v1/tokens', () => undefined, ALL],
    ['POST', () => '/api/v1/tokens', () => ({ name: 'own' }), ALL],
    ['GET', () => '/api/v1/audit', () => undefined, ['admin']],
    ['GET', () => '/api/v1/webhooks', () => undefined, ['admin']],
    ['POST', () => '/api/v1/webhooks', () => ({ url: 'http://127.0.0.1:9/', kind: 'slack', events: ['halt'] }), ['admin']],
    ['GET', () => `/api/v1/webhooks/${webhook}/deliveries`, () => undefined, ['admin']],
    ['POST', () => '/api/v1/drills/apply', () => ({ yaml: drills }), ['admin', 'facilitator']],
    ['GET', () => '/api/v1/drills', () => undefined, PEOPLE],
    ['GET', () => '/api/v1/drills/calendar', () => undefined, PEOPLE],
    ['GET', () => '/api/v1/drills/debt', () => undefined, PEOPLE],
    ['GET', () => '/api/v1/drills/file', () => undefined, ['admin', 'facilitator']],
    ['GET', () => '/api/v1/drills/matrix-drill', () => undefined, PEOPLE],
    ['GET', () => '/api/v1/drills/matrix-drill/candidates', () => undefined, ['admin', 'facilitator']],
    ['POST', () => '/api/v1/drills/matrix-drill/disable', () => ({}), ['admin', 'facilitator']],
    ['POST', () => '/api/v1/drills/matrix-drill/enable', () => ({}), ['admin', 'facilitator']],
    ['GET', () => '/api/v1/incidents', () => undefined, PEOPLE],
    ['POST', () => '/api/v1/incidents', () => ({ title: 'declared' }), ['admin', 'facilitator', 'responder', 'lead']],
    ['POST', () => `/api/v1/incidents/${incident}/close`, () => ({}), ['admin', 'facilitator', 'responder', 'lead']],
    ['POST', () => '/api/v1/is-this-a-drill', () => ({ service: 'x' }), ['admin', 'facilitator', 'lead']],
    ['POST', () => '/api/v1/alerts/matrix', () => ({ name: 'MatrixAlert' }), ['admin', 'alert-source']],
    ['POST', (r) => `/api/v1/alerts/matrix/${tokens[r]}`, () => ({ name: 'MatrixAlert' }), ['admin', 'alert-source']],
    ['GET', () => '/api/v1/alerts', () => undefined, PEOPLE],
    ['POST', () => '/api/v1/gamedays/apply', (r) => ({ yaml: gameDay(`gd-${r}`) }), ['admin', 'facilitator', 'villain']],
    ['GET', () => '/api/v1/gamedays', () => undefined, PEOPLE],
    ['GET', () => `/api/v1/gamedays/${gameday}`, () => undefined, PEOPLE],
    ['GET', () => `/api/v1/gamedays/${gameday}/causes`, () => undefined, PEOPLE],
    ['GET', () => `/api/v1/gamedays/${gameday}/review`, () => undefined, ['admin', 'facilitator', 'villain']],
    ['PUT', () => `/api/v1/gamedays/${gameday}/review`, () => ({ learnt: 'x' }), ['admin', 'facilitator', 'villain']],
    ['POST', () => `/api/v1/gamedays/${gameday}/rerun`, () => ({ at: null }), ['admin', 'facilitator']],
    ['POST', () => `/api/v1/gamedays/${gameday}/comcheck`, () => ({}), ['responder', 'lead', 'viewer']],
    ['POST', () => `/api/v1/gamedays/${gameday}/dry-run`, () => ({}), ['admin', 'facilitator', 'villain']],
    ['POST', () => `/api/v1/gamedays/${gameday}/launch`, () => ({}), ['admin', 'facilitator']],
    ['POST', () => `/api/v1/gamedays/${gameday}/commands`, () => ({ command: 'pause' }), ['admin', 'facilitator']],
    ['POST', () => `/api/v1/gamedays/${gameday}/declarations`, () => ({ declare: 'detected' }), ['responder', 'lead']],
    ['POST', () => `/api/v1/gamedays/${gameday}/findings`, () => ({ techniques: ['T1110'] }), ['responder', 'lead']],
    ['GET', () => '/api/v1/coverage', () => undefined, PEOPLE],
    ['GET', () => '/api/v1/coverage?format=navigator', () => undefined, PEOPLE],
    ['POST', () => '/api/v1/halt', () => ({ reason: 'matrix' }), ['admin', 'facilitator']],
    ['POST', () => '/api/v1/resume', () => ({}), ['admin', 'facilitator']],
    ['DELETE', (r) => `/api/v1/tokens/${spare[r]}`, () => undefined, ALL],
    // Last: they remove what the rows above use.
    ['DELETE', () => '/api/v1/drills/matrix-drill', () => undefined, ['admin', 'facilitator']],
    ['DELETE', () => '/api/v1/agents/a-admin', () => undefined, ['admin']],
    ['DELETE', () => `/api/v1/webhooks/${webhook}`, () => undefined, ['admin']],
    ['DELETE', () => `/api/v1/experiments/${experiment}`, () => undefined, ['admin', 'facilitator', 'villain']],
  ];

  it('answers each route to the roles of its row, and 403 to the others', async () => {
    const wrong: string[] = [];
    for (const [method, path, body, allowed] of rows) {
      // The allowed roles go last, so a row that consumes what it touches (DELETE) is refused first.
      for (const role of [...ROLES.filter((r) => !allowed.includes(r)), ...allowed]) {
        const reply = await call(server.url, method, path(role), tokens[role], body(role));
        const ok = reply.status !== 401 && reply.status !== 403;
        if (ok !== allowed.includes(role) || (!ok && reply.status !== 403)) wrong.push(`${role} ${method} ${path(role)} → ${reply.status}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 60_000);

  it('names every route of the API', async () => {
    const doc = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const covered = new Set(
      rows.map(
        ([method, path]) =>
          `${method.toLowerCase()} ${path('admin')
            .replace(/[0-9a-f-]{36}|\d{8}-\d{6}-[0-9a-f]{6}/g, '{id}')
            .replace('/agents/a-admin', '/agents/{name}')
            .replace('/drills/matrix-drill', '/drills/{name}')
            .replace(/\/alerts\/matrix\/fdt_\S+$/, '/alerts/{source}/{token}')
            .replace('/alerts/matrix', '/alerts/{source}')}`,
      ),
    );
    const open = ['/api/v1/health', '/api/v1/openapi.json', '/api/v1/login', '/api/v1/logout'];
    const documented = Object.entries(doc.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path.replace('{format}', 'md')}`))
      .filter((route) => !open.some((p) => route.endsWith(` ${p}`)));
    expect(documented.filter((route) => !covered.has(route))).toEqual([]);
  });

  it('makes a name that failed five logins in a minute wait, even with the right password', async () => {
    const user = await server.store.users.create('slow', ['viewer'], 'the right password');
    expect(user.name).toBe('slow');
    for (let i = 0; i < 5; i++)
      expect((await call(server.url, 'POST', '/api/v1/login', undefined, { name: 'slow', password: 'wrong one' })).status).toBe(401);
    const blocked = await call(server.url, 'POST', '/api/v1/login', undefined, { name: 'slow', password: 'the right password' });
    expect(blocked).toMatchObject({ status: 429, body: { error: { code: 'FD_TOO_MANY_ATTEMPTS' } } });
  });
});
