import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoverageReport, TechniqueCoverage } from '../../src/server/api-types.js';
import { allowOnHost } from '../agent-daemon/harness.js';
import { eventually } from '../probes/fixtures.js';
import { techniqueDrill } from '../coverage/fixtures.js';
import { call, testServer, userWithToken } from './fixtures.js';

const gameDay = (experiment: string) => `name: intrusion-day
title: Persistence through cron, found by file integrity monitoring
publicTitle: Friday exercise
villains: [vic]
teams:
  blue: [rita]
targets: { detect: 1m }
scenario:
  - { name: persist, experiment: ${experiment} }
`;

describe('GET /api/v1/coverage', () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  let dir: string;
  const token: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fd-coverage-'));
    server = await testServer(undefined, { agent: true });
    allowOnHost(server.dir, { directories: [dir] });
    for (const [name, role] of [
      ['root', 'admin'],
      ['fac', 'facilitator'],
      ['vic', 'villain'],
      ['rita', 'responder'],
      ['vera', 'viewer'],
    ] as const)
      token[name] = await userWithToken(server, name, [role]);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const coverage = async (who: string, query = '') => {
    const reply = await call(server.url, 'GET', `/api/v1/coverage${query}`, token[who] ?? '');
    expect(reply.status).toBe(200);
    return reply;
  };
  const technique = async (who: string, id: string): Promise<TechniqueCoverage | undefined> =>
    ((await coverage(who)).body.coverage as CoverageReport).techniques.find((t) => t.techniqueId === id);
  const runToEnd = async (body: Record<string, unknown>) => {
    const started = await call(server.url, 'POST', '/api/v1/runs', token.root ?? '', body);
    expect(started.status).toBe(201);
    const id = (started.body.run as { id: string }).id;
    await eventually(async () => {
      const got = (await call(server.url, 'GET', `/api/v1/runs/${id}`, token.root ?? '')).body as { run: { state: string } };
      expect(got.run.state).toBe('ended');
    }, 30_000);
    return id;
  };

  it('shows every registered technique as never tested before any drill', async () => {
    const report = (await coverage('vera')).body.coverage as CoverageReport;
    expect(report.techniques.length).toBeGreaterThanOrEqual(9);
    expect(report.techniques.every((t) => t.status === 'never-tested')).toBe(true);
    expect(report.attack).toMatch(/ATT&CK Enterprise v\d+/);
  });

  it('counts a run’s detonation as detected with its time to detect, and keeps a secret run’s technique from a responder until revealed', async () => {
    await runToEnd({ yaml: techniqueDrill('cron-persistence', dir, '1s', true) });
    const secret = await runToEnd({ yaml: techniqueDrill('web-shell', dir, '1s', false), secret: true });

    const cron = await technique('rita', 'T1053.003');
    expect(cron).toMatchObject({ status: 'detected', drills: 1, counts: { detected: 1 } });
    expect(cron?.medianTtdMs).toEqual(expect.any(Number));

    // The white cell sees the secret drill's miss; a responder, a viewer and a villain who did not write it do not.
    expect(await technique('fac', 'T1505.003')).toMatchObject({ status: 'missed', drills: 1, counts: { missed: 1 }, medianTtdMs: null });
    for (const who of ['rita', 'vera', 'vic']) {
      const shell = await technique(who, 'T1505.003');
      expect(shell, who).toMatchObject({ status: 'never-tested', drills: 0, last: null });
      const text = JSON.stringify((await coverage(who, '?format=navigator')).body);
      expect(text, who).not.toContain(secret);
      expect(text, who).not.toContain('web-shell drill');
    }

    expect((await call(server.url, 'POST', `/api/v1/runs/${secret}/reveal`, token.fac ?? '', {})).status).toBe(200);
    expect(await technique('rita', 'T1505.003')).toMatchObject({ status: 'missed', drills: 1 });
  }, 60_000);

  it('counts a game day per team, and only for its scenario’s readers until it is revealed', async () => {
    const experiment = techniqueDrill('cron-persistence', dir, '60s', false).replace(/expectations:[\s\S]*$/, '');
    expect(
      (await call(server.url, 'POST', '/api/v1/experiments', token.vic ?? '', { name: 'plant-cron', yaml: experiment, secret: true }))
        .status,
    ).toBe(201);
    const applied = await call(server.url, 'POST', '/api/v1/gamedays/apply', token.vic ?? '', { yaml: gameDay('plant-cron') });
    expect(applied.status).toBe(200);
    const id = (applied.body.gameday as { id: string }).id;
    expect((await call(server.url, 'POST', `/api/v1/gamedays/${id}/launch`, token.fac ?? '', {})).status).toBe(200);
    // Injected: the step's run holds the cron file; the responder declares it detected.
    await eventually(async () => {
      const day = (await call(server.url, 'GET', `/api/v1/gamedays/${id}`, token.fac ?? '')).body.gameday as {
        progress: { steps: { injectedAt?: number }[] } | null;
      };
      expect(day.progress?.steps[0]?.injectedAt).toEqual(expect.any(Number));
    }, 30_000);
    expect((await call(server.url, 'POST', `/api/v1/gamedays/${id}/declarations`, token.rita ?? '', { declare: 'detected' })).status).toBe(
      201,
    );

    const white = await technique('fac', 'T1053.003');
    expect(white).toMatchObject({ status: 'detected', drills: 2, counts: { detected: 2 } });
    expect(white?.last?.source).toMatchObject({ kind: 'gameday', id, team: 'blue', step: 'persist' });
    // Rita plays the day: her coverage must not tell her what it detonated until the reveal.
    const before = await technique('rita', 'T1053.003');
    expect(before).toMatchObject({ drills: 1, counts: { detected: 1 } });
    expect(JSON.stringify((await coverage('rita')).body)).not.toContain(id);

    expect((await call(server.url, 'POST', `/api/v1/gamedays/${id}/commands`, token.fac ?? '', { command: 'end' })).status).toBe(202);
    await eventually(
      async () => expect(await technique('rita', 'T1053.003')).toMatchObject({ drills: 2, counts: { detected: 2 } }),
      30_000,
    );
  }, 90_000);

  it('answers an ATT&CK Navigator layer, as a download when asked', async () => {
    const reply = await coverage('vera', '?format=navigator&download=1');
    expect(reply.headers.get('content-disposition')).toMatch(/attachment; filename="firedrill-attack-layer.json"/);
    expect(reply.body).toMatchObject({ versions: { layer: '4.5' }, domain: 'enterprise-attack' });
    const techniques = reply.body.techniques as { techniqueID: string; color: string }[];
    expect(techniques.find((t) => t.techniqueID === 'T1053.003')?.color).toBe('#31a354');
    expect((await call(server.url, 'GET', '/api/v1/coverage?format=csv', token.vera ?? '')).status).toBe(400);
  });
});
