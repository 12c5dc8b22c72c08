import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../src/demo/shop/ports.js';
import { connects } from '../../src/techniques/support/connect.js';
import { allowOnHost } from '../agent-daemon/harness.js';
import { eventually } from '../probes/fixtures.js';
import { call, testServer, userWithToken } from './fixtures.js';

interface Step {
  name: string;
  state: string;
  runId?: string;
  containedAt?: number;
  containedBy?: string;
  techniques?: { id: string; target: string; containedAt?: number }[];
}

// An intrusion played as a game day on one server and its real agent: villains plant a web shell,
// then open a backdoor; the responders (this test, as their bot) find and remove both — Firedrill
// measures the containment on the host — and file their reconstruction, scored in the review.
describe('an intrusion game day', () => {
  let dir: string;
  let www: string;
  let port: number;
  let server: Awaited<ReturnType<typeof testServer>>;
  const token: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fd-intrusion-'));
    www = join(dir, 'www');
    mkdirSync(www);
    writeFileSync(join(www, 'index.php'), '<?php echo "shop"; ?>\n');
    [port = 0] = await freePorts(1);
    server = await testServer(undefined, { agent: true });
    allowOnHost(server.dir, { directories: [www], ports: [port] });
    for (const [name, role] of [
      ['fac', 'facilitator'],
      ['vic', 'villain'],
      ['rita', 'responder'],
      ['otto', 'responder'],
    ] as const)
      token[name] = await userWithToken(server, name, [role]);
    const experiments = [
      ['plant-shell', `title: a web shell\nmethod:\n  - { name: drop, fault: web-shell, params: { directory: ${www} }, duration: 60s }\n`],
      [
        'open-backdoor',
        `title: a backdoor\nmethod:\n  - { name: listen, fault: backdoor-listener, params: { port: ${port} }, duration: 60s }\n`,
      ],
    ];
    for (const [name, yaml] of experiments)
      expect((await call(server.url, 'POST', '/api/v1/experiments', token.vic ?? '', { name, yaml, secret: true })).status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (who: string, path: string) => call(server.url, 'GET', path, token[who] ?? '');

  it('measures containment on the host, scores the reconstruction, and tells the attack in the review', async () => {
    const yaml = `name: shop-intrusion
title: An intruder drops a web shell, then opens a backdoor
publicTitle: Security exercise
villains: [vic]
teams:
  blue: [rita]
intrusion: { entryPoint: T1505.003 }
scenario:
  - { name: foothold, experiment: plant-shell }
  - { name: backdoor, experiment: open-backdoor, trigger: { at: 1s } }
`;
    const applied = await call(server.url, 'POST', '/api/v1/gamedays/apply', token.vic ?? '', { yaml });
    expect(applied.status).toBe(200);
    const id = (applied.body.gameday as { id: string }).id;
    expect((await call(server.url, 'POST', `/api/v1/gamedays/${id}/launch`, token.fac ?? '', {})).status).toBe(200);

    // Detonated: a shell in the web root, a listener on the port. The team's console tells none of it.
    await eventually(() => expect(readdirSync(www).some((name) => name.startsWith('fd-shell-'))).toBe(true), 20_000);
    await eventually(async () => expect(await connects('127.0.0.1', port, 500)).toBe(true), 20_000);
    const seen = JSON.stringify((await get('rita', `/api/v1/gamedays/${id}`)).body);
    for (const secret of ['T1505', 'T1571', 'web-shell', 'backdoor', 'shop-intrusion', String(port)])
      expect(seen, `the responders' console says ${secret}`).not.toContain(secret);
    // They pick techniques from the whole catalogue: the same list for every game day.
    const causes = (await get('rita', `/api/v1/gamedays/${id}/causes`)).body as { techniques: { id: string }[] };
    expect(causes.techniques.map((t) => t.id)).toEqual(expect.arrayContaining(['T1505.003', 'T1571', 'T1136.001', 'T1046']));

    // The responders contain both on the host: the shell deleted, the listener killed.
    for (const name of readdirSync(www)) if (name.startsWith('fd-shell-')) rmSync(join(www, name));
    const white = (await get('fac', `/api/v1/gamedays/${id}`)).body.gameday as { progress: { steps: Step[] } };
    const backdoorRun = await eventually(async () => {
      const steps = ((await get('fac', `/api/v1/gamedays/${id}`)).body.gameday as { progress: { steps: Step[] } }).progress.steps;
      expect(steps[1]?.runId).toBeDefined();
      return steps[1]?.runId ?? '';
    });
    expect(white.progress.steps[0]?.runId).toBeDefined();
    const journal = await eventually(async () => {
      const injected = (await server.store.runs.events(backdoorRun)).find((e) => e.type === 'fault-injected');
      expect(injected).toBeDefined();
      return JSON.parse(injected?.data ?? '{}') as { output: { pids: number[] } };
    });
    for (const pid of journal.output.pids) process.kill(pid, 'SIGKILL');

    // Their reconstruction: one technique right, one wrong, the entry point right.
    const finding = { techniques: ['T1505', 'T1110.001'], entryPoint: 'T1505.003', hosts: ['local'] };
    expect((await call(server.url, 'POST', `/api/v1/gamedays/${id}/findings`, token.otto ?? '', finding)).status).toBe(404);
    expect((await call(server.url, 'POST', `/api/v1/gamedays/${id}/findings`, token.fac ?? '', finding)).status).toBe(403);
    const bad = await call(server.url, 'POST', `/api/v1/gamedays/${id}/findings`, token.rita ?? '', { techniques: ['rm -rf'] });
    expect(bad.status).toBe(400);
    expect((await call(server.url, 'POST', `/api/v1/gamedays/${id}/findings`, token.rita ?? '', finding)).status).toBe(201);
    const mine = (await get('rita', `/api/v1/gamedays/${id}`)).body.gameday as { findings: unknown[] };
    expect(mine.findings).toEqual([expect.objectContaining({ team: 'blue', by: 'rita', techniques: finding.techniques })]);

    // Contained on the host, each step's hold ends early: the day ends by itself, revealed.
    const ended = await eventually(async () => {
      const day = (await get('rita', `/api/v1/gamedays/${id}`)).body.gameday as {
        state: string;
        progress: { steps: Step[]; endedReason: string };
      };
      expect(day.state).toBe('ended');
      return day;
    }, 40_000);
    expect(ended.progress.endedReason).toBe('every step was contained and recovered');
    expect(ended.progress.steps.map((s) => [s.name, s.techniques?.map((t) => t.id), s.containedBy])).toEqual([
      ['foothold', ['T1505.003'], expect.stringMatching(/fd-shell-\S+ is gone$/)],
      ['backdoor', ['T1571'], expect.stringMatching(/no longer reaches the drill's listener$/)],
    ]);
    const reviewed = (await get('rita', `/api/v1/gamedays/${id}/review?format=json`)).body as {
      review: string;
      measures: { step: string; attack: { id: string; containedMs?: number }[]; teams: { timings: { contain: { by?: string } } }[] }[];
      intrusion: { truth: unknown; scores: unknown[] };
    };
    expect(reviewed.intrusion.truth).toEqual({ techniques: ['T1505.003', 'T1571'], entryPoint: 'T1505.003', hosts: ['local'] });
    expect(reviewed.intrusion.scores).toEqual([
      expect.objectContaining({
        team: 'blue',
        techniques: { right: ['T1505'], missed: ['T1571'], wrong: ['T1110.001'], precision: 0.5, recall: 0.5 },
        entryPoint: { said: 'T1505.003', truth: 'T1505.003', right: true },
        hosts: { right: ['local'], missed: [], wrong: [], precision: 1, recall: 1 },
      }),
    ]);
    expect(
      reviewed.measures.map((m) => [m.step, m.attack[0]?.id, typeof m.attack[0]?.containedMs, m.teams[0]?.timings.contain.by]),
    ).toEqual([
      ['foothold', 'T1505.003', 'number', expect.stringMatching(/is gone$/)],
      ['backdoor', 'T1571', 'number', expect.stringMatching(/no longer reaches/)],
    ]);
    expect(reviewed.review).toMatch(
      /## The intrusion\n\n\*\*What happened\*\*: Entry point: T1505\.003\. Techniques: T1505\.003, T1571\. Hosts: local\./,
    );
    expect(reviewed.review).toMatch(
      /\| T1571 Non-Standard Port \| Command and Control \| backdoor \| local \| \+\S+ \| missed \| \+\S+ \(a new connection/,
    );
    expect(reviewed.review).toMatch(
      /\| blue \| 50 % \/ 50 % \| T1505 \| T1571 \| T1110\.001 \| T1505\.003: right \| 100 % \/ 100 % \| \+\S+ by rita \|/,
    );
    // Firedrill's revert still verified what the responders left: the web root as before, the port free.
    expect(readdirSync(www)).toEqual(['index.php']);
    expect(await connects('127.0.0.1', port, 500)).toBe(false);
  }, 90_000);
});
