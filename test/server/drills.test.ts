import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processState } from '../../src/targets/proc.js';
import { eventually } from '../probes/fixtures.js';
import { call, pauseExperiment, testServer, userWithToken } from './fixtures.js';

/** A clock the test moves: the scheduler sees days pass in milliseconds. */
const clock = { at: Date.parse('2026-12-07T08:00:00Z'), now: () => clock.at };

const drillsFile = (extra = '') => `
blackouts:
  - { name: black-friday-week, timezone: Europe/Paris, from: 2026-11-23, to: 2026-11-29 }
teams:
  shop:
    blackouts:
      - { name: xmas-freeze, timezone: Europe/Paris, from: 2026-12-21, to: 2026-12-27 }
drills:
  - name: nightly-pause
    title: The worker is paused every night
    team: shop
    announcement: unannounced
    facilitator: alice
    experiment: pause-worker
    schedule: { cron: "0 2 * * *", timezone: Europe/Paris, startingDeadline: 5m }
${extra}`;

// The control plane's drills on one server, its scheduler driven by the test's clock.
describe('drills through the control plane', () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  let sleeper: ChildProcess;
  let facilitator: string;
  let responder: string;
  let lead: string;

  beforeAll(async () => {
    server = await testServer(undefined, { agent: true, drills: { clock, off: true } });
    sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    facilitator = await userWithToken(server, 'alice', ['facilitator']);
    responder = await userWithToken(server, 'rita', ['responder']);
    lead = await userWithToken(server, 'leo', ['lead']);
    const made = await call(server.url, 'POST', '/api/v1/experiments', facilitator, {
      name: 'pause-worker',
      yaml: pauseExperiment(sleeper.pid ?? 0, '1s', 'Pause the worker'),
    });
    expect(made.status).toBe(201);
    const quick = await call(server.url, 'POST', '/api/v1/experiments', facilitator, {
      name: 'quick',
      yaml: 'title: quick\nmethod:\n  - { name: w, wait: 10ms }\n',
    });
    expect(quick.status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    sleeper?.kill('SIGKILL');
    await server?.stop();
  });

  const tick = async (to: number) => {
    clock.at = to;
    await server.drills.scheduler.tick();
  };
  const launches = async (token: string, team = 'shop') =>
    (
      await call(
        server.url,
        'GET',
        `/api/v1/drills/calendar?since=${Date.parse('2026-12-01T00:00:00Z')}&until=${Date.parse('2027-01-10T00:00:00Z')}&team=${team}`,
        token,
      )
    ).body.launches as {
      drill: string;
      dueAt: number;
      state: string;
      reason: string | null;
      runId: string | null;
      verdict: string | null;
    }[];

  it('refuses a drills file with every problem at its line: a bad cron, an unknown zone, an experiment not stored', async () => {
    const bad = `drills:
  - name: broken
    team: shop
    experiment: no-such-experiment
    schedule: { cron: "61 * * * *", timezone: Europe/Pariss }
`;
    const refused = await call(server.url, 'POST', '/api/v1/drills/apply', facilitator, { yaml: bad, file: 'drills.yaml' });
    expect(refused.status).toBe(400);
    const problems = (refused.body.error as { problems: { line: number; message: string }[] }).problems;
    expect(problems.map((p) => p.line)).toEqual(expect.arrayContaining([5]));
    expect(problems.map((p) => p.message).join('\n')).toMatch(/Europe\/Pariss/);
    expect((await call(server.url, 'POST', '/api/v1/drills/apply', responder, { yaml: drillsFile() })).status).toBe(403);
  });

  it('launches a drill when due, secretly when unannounced, and reveals it at its end', async () => {
    const applied = await call(server.url, 'POST', '/api/v1/drills/apply', facilitator, { yaml: drillsFile() });
    expect(applied.body).toMatchObject({ applied: [{ name: 'nightly-pause', created: true }], blackouts: 2 });
    // The white cell sees it and what is coming; a responder sees nothing of it.
    expect(((await call(server.url, 'GET', '/api/v1/drills', facilitator)).body.drills as { name: string }[]).map((d) => d.name)).toEqual([
      'nightly-pause',
    ]);
    expect((await call(server.url, 'GET', '/api/v1/drills', responder)).body).toEqual({ drills: [], windows: [] });
    expect((await call(server.url, 'GET', '/api/v1/drills/nightly-pause', responder)).status).toBe(404);

    await tick(Date.parse('2026-12-07T08:00:00Z'));
    const planned = await launches(facilitator);
    expect(planned.map((l) => new Date(l.dueAt).toISOString())).toEqual(['2026-12-08T01:00:00.000Z']); // 02:00 in Paris
    expect(await launches(responder)).toEqual([]);

    await tick(Date.parse('2026-12-08T01:00:01Z'));
    const [launched] = await launches(facilitator);
    expect(launched).toMatchObject({ state: 'launched' });
    const runId = launched?.runId ?? '';
    await eventually(() => expect(processState(sleeper.pid ?? 0)).toBe('T'));
    // While it runs, a responder knows nothing: not the run, not the launch.
    expect(((await call(server.url, 'GET', '/api/v1/runs', responder)).body.runs as { id: string }[]).map((r) => r.id)).not.toContain(
      runId,
    );
    expect((await call(server.url, 'GET', `/api/v1/runs/${runId}`, responder)).status).toBe(404);
    // "Is this a drill?": yes, with whom to call, never the scenario — and audited.
    const asked = await call(server.url, 'POST', '/api/v1/is-this-a-drill', lead, { correlationId: runId });
    expect(asked.body).toEqual({ drill: true, facilitator: 'alice', team: 'shop' });
    const bySleeper = await call(server.url, 'POST', '/api/v1/is-this-a-drill', lead, { service: 'sleep', at: clock.at });
    expect(bySleeper.body).toMatchObject({ drill: true });
    expect((await call(server.url, 'POST', '/api/v1/is-this-a-drill', lead, { service: 'payments', at: clock.at })).body).toEqual({
      drill: false,
    });
    expect((await call(server.url, 'POST', '/api/v1/is-this-a-drill', responder, { correlationId: runId })).status).toBe(403);

    await eventually(async () => expect((await launches(facilitator))[0]).toMatchObject({ state: 'ended', verdict: 'passed' }), 15_000);
    expect(processState(sleeper.pid ?? 0)).not.toBe('T');
    // Ended: revealed to everyone, launch and run.
    expect((await launches(responder)).map((l) => [l.drill, l.verdict])).toEqual([['nightly-pause', 'passed']]);
    expect((await call(server.url, 'GET', `/api/v1/runs/${runId}`, responder)).status).toBe(200);
    const audit = (await call(server.url, 'GET', '/api/v1/audit?action=drill.ask', await userWithToken(server, 'root', ['admin']))).body;
    expect((audit.records as { actor: string; outcome: string }[]).map((r) => `${r.actor} ${r.outcome}`)).toEqual(
      expect.arrayContaining(['leo yes', 'leo no']),
    );
  }, 40_000);

  it('skips a launch during an incident, in a blackout, or while halted, and records one past its deadline as missed', async () => {
    const incident = await call(server.url, 'POST', '/api/v1/incidents', responder, { title: 'checkout errors', team: 'shop' });
    expect(incident.status).toBe(201);
    await tick(Date.parse('2026-12-09T01:00:01Z'));
    await call(server.url, 'POST', `/api/v1/incidents/${(incident.body.incident as { id: string }).id}/close`, responder, {});
    // The server was down at 02:00 on the 10th and comes back at 02:30: past the 5 min deadline.
    await tick(Date.parse('2026-12-10T01:30:00Z'));
    await tick(Date.parse('2026-12-22T01:00:01Z'));
    await call(server.url, 'POST', '/api/v1/halt', facilitator, { reason: 'checking the halt' });
    await tick(Date.parse('2026-12-28T01:00:01Z'));
    await call(server.url, 'POST', '/api/v1/resume', facilitator, {});
    const outcome = (await launches(facilitator)).map((l) => [new Date(l.dueAt).toISOString().slice(0, 10), l.state, l.reason]);
    expect(outcome).toEqual(
      expect.arrayContaining([
        ['2026-12-09', 'skipped', expect.stringMatching(/^an incident is open: checkout errors/)],
        ['2026-12-10', 'missed', expect.stringMatching(/starting deadline/)],
        ['2026-12-22', 'skipped', 'in blackout xmas-freeze'],
        ['2026-12-28', 'skipped', expect.stringMatching(/^Firedrill is halted/)],
      ]),
    );
    // Nothing launched late in a burst: the days the server "was down" are missed, not run now.
    expect(outcome.filter(([, state]) => state === 'launched')).toEqual([]);
  }, 30_000);

  it('keeps drill debt and tells webhooks about announced drills only; the debt metric counts announced drills only', async () => {
    const hook = await call(server.url, 'POST', '/api/v1/webhooks', await userWithToken(server, 'ops', ['admin']), {
      url: 'http://127.0.0.1:9/',
      kind: 'generic',
      events: ['drill.launched', 'drill.skipped'],
    });
    const webhookId = (hook.body.webhook as { id: string }).id;
    const announced = `
  - name: daily-check
    title: The daily check
    team: data
    announcement: announced
    experiment: quick
    schedule: { cron: "30 2 * * *", timezone: Europe/Paris, startingDeadline: 5m }
    expectedEvery: 2d`;
    const file = drillsFile(announced).replace('    experiment: pause-worker', '    experiment: pause-worker\n    expectedEvery: 1d');
    expect((await call(server.url, 'POST', '/api/v1/drills/apply', facilitator, { yaml: file })).status).toBe(200);
    await tick(Date.parse('2026-12-29T01:25:00Z'));
    await tick(Date.parse('2026-12-29T01:31:00Z')); // daily-check due 01:30 UTC: launched
    await tick(Date.parse('2027-01-03T01:31:00Z')); // days missed in between: told as skipped
    const debt = async (token: string) =>
      ((await call(server.url, 'GET', '/api/v1/drills/debt', token)).body.debt as { drill: string }[]).map((d) => d.drill);
    expect((await debt(facilitator)).sort()).toEqual(['daily-check', 'nightly-pause']);
    expect(await debt(responder)).toEqual(['daily-check']); // the unannounced one is the white cell's
    const metrics = (await call(server.url, 'GET', '/metrics', facilitator)).body.text as string;
    expect(metrics).toMatch(/^firedrill_drill_debt\{team="data"\} 1$/m);
    expect(metrics).not.toMatch(/firedrill_drill_debt\{team="shop"\}/);
    const deliveries = await server.store.webhooks.deliveries(webhookId);
    const told = deliveries.map((d) => JSON.parse(d.payload) as { event: string; data: { drill: string; state: string } });
    expect(told.map((t) => `${t.event} ${t.data.drill} ${t.data.state}`)).toEqual(
      expect.arrayContaining(['drill.launched daily-check launched', 'drill.skipped daily-check missed']),
    );
    expect(told.filter((t) => t.data.drill !== 'daily-check')).toEqual([]);
  }, 30_000);

  it('gives the white cell its drills as one file that applies again as it is', async () => {
    const file = await call(server.url, 'GET', '/api/v1/drills/file', facilitator);
    const yaml = file.body.yaml as string;
    expect(yaml).toMatch(/name: nightly-pause/);
    expect(yaml).toMatch(/name: xmas-freeze/);
    const again = await call(server.url, 'POST', '/api/v1/drills/apply', facilitator, { yaml });
    expect(again.status).toBe(200);
    expect((again.body.applied as { created: boolean }[]).every((a) => !a.created)).toBe(true);
    expect(again.body.blackouts).toBe(2);
    expect((await call(server.url, 'GET', '/api/v1/drills/file', responder)).status).toBe(403);
  });

  it('skips a launch while its outage checker does not say all clear, and refuses a checker that cannot run', async () => {
    let status = 503;
    const statusPage = createServer((_req, res) => res.writeHead(status).end());
    await new Promise<void>((resolve) => statusPage.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(statusPage.address() as AddressInfo).port}/status`;
    const gated = (checker: string) => `drills:
  - name: gated
    team: ops
    experiment: quick
    schedule: { cron: "0 3 * * *", timezone: Europe/Paris, startingDeadline: 5m }
    preconditions:
      outageChecker: ${checker}
`;
    try {
      const refused = await call(server.url, 'POST', '/api/v1/drills/apply', facilitator, {
        yaml: gated('{ probe: nosuch, params: {} }'),
        file: 'drills.yaml',
      });
      expect(refused.status).toBe(400);
      expect((refused.body.error as { problems: { line: number; message: string }[] }).problems).toEqual([
        expect.objectContaining({ line: 7, message: expect.stringMatching(/the outage checker: .*nosuch/) }),
      ]);
      const applied = await call(server.url, 'POST', '/api/v1/drills/apply', facilitator, {
        yaml: gated(`{ probe: http, params: { url: "${url}" } }`),
      });
      expect(applied.status).toBe(200);
      await tick(Date.parse('2027-01-05T01:59:00Z')); // planned
      await tick(Date.parse('2027-01-05T02:00:01Z'));
      status = 200;
      await tick(Date.parse('2027-01-06T02:00:01Z'));
      const outcome = (await launches(facilitator, 'ops'))
        .filter((l) => l.state !== 'planned')
        .map((l) => [new Date(l.dueAt).toISOString().slice(0, 10), l.state, l.reason]);
      expect(outcome).toEqual([
        ['2027-01-05', 'skipped', expect.stringMatching(/^the outage checker \(http\) does not say all clear: .*503/)],
        ['2027-01-06', 'launched', null],
      ]);
    } finally {
      statusPage.closeAllConnections();
      statusPage.close();
    }
  }, 30_000);
});
