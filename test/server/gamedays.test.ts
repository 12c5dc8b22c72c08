import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processState } from '../../src/targets/proc.js';
import { ARTIFACTS } from '../e2e/dashboard/fixtures.js';
import { eventually } from '../probes/fixtures.js';
import { call, testServer, userWithToken } from './fixtures.js';
import { freezeExperiment, gameDayFile, startShopfront } from './gameday-fixtures.js';
import type { Shopfront } from './gameday-fixtures.js';

interface Console {
  id: string;
  state: string;
  revealed: boolean;
  publicTitle: string;
  spec?: unknown;
  progress?: {
    steps: { name: string; state: string; runId?: string; injectedAt?: number; containedAt?: number; recoveredAt?: number }[];
    endedReason?: string;
  };
}

// A game day on one server, in real time: villains write it, a facilitator launches it, a
// responders' bot fights it through the API and contains it by calling a real endpoint.
describe('a game day', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof testServer>>;
  let shop: Shopfront;
  const token: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fd-gameday-'));
    server = await testServer(undefined, { agent: true });
    shop = await startShopfront(dir);
    for (const [name, role] of [
      ['fac', 'facilitator'],
      ['vic', 'villain'],
      ['rita', 'responder'],
      ['sam', 'responder'],
      ['olga', 'viewer'],
      ['otto', 'responder'],
    ] as const)
      token[name] = await userWithToken(server, name, [role]);
    for (const [name, yaml] of [
      ['worker-freezes', freezeExperiment(shop.worker.pid ?? 0)],
      ['quiet-step', 'title: a quiet step\nmethod:\n  - { name: w, wait: 100ms }\n'],
    ])
      expect((await call(server.url, 'POST', '/api/v1/experiments', token.vic ?? '', { name, yaml, secret: true })).status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    shop?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (who: string, path: string) => call(server.url, 'GET', path, token[who] ?? '');

  it('is written by a villain, launched by the facilitator, fought by the responders, measured, and revealed with its review', async () => {
    const refused = await call(server.url, 'POST', '/api/v1/gamedays/apply', token.vic ?? '', {
      yaml: 'name: x\nteams: {}\nscenario: []\n',
      file: 'day.yaml',
    });
    expect(refused.status).toBe(400);
    expect(
      (await call(server.url, 'POST', '/api/v1/gamedays/apply', token.rita ?? '', { yaml: gameDayFile(shop.gatewayUrl) })).status,
    ).toBe(403);
    const applied = await call(server.url, 'POST', '/api/v1/gamedays/apply', token.vic ?? '', { yaml: gameDayFile(shop.gatewayUrl) });
    expect(applied.status).toBe(200);
    const id = (applied.body.gameday as { id: string }).id;
    // The villains rehearse it: each step a dry run they can read, nothing injected.
    const rehearsal = await call(server.url, 'POST', `/api/v1/gamedays/${id}/dry-run`, token.vic ?? '', {});
    expect(rehearsal.status).toBe(201);
    const dryRuns = rehearsal.body.steps as { step: string; runId: string }[];
    expect(dryRuns.map((d) => d.step)).toEqual(['freeze', 'aftershock']);
    const rehearsed = await eventually(async () => {
      const got = (await get('vic', `/api/v1/runs/${dryRuns[0]?.runId ?? ''}`)).body as { run: { state: string; dryRun: boolean } };
      expect(got.run.state).toBe('ended');
      return got.run;
    });
    expect(rehearsed.dryRun).toBe(true);
    expect(processState(shop.worker.pid ?? 0)).not.toBe('T');
    expect((await get('rita', `/api/v1/runs/${dryRuns[0]?.runId ?? ''}`)).status).toBe(404);
    expect((await call(server.url, 'POST', `/api/v1/gamedays/${id}/dry-run`, token.rita ?? '', {})).status).toBe(403);
    expect((await call(server.url, 'POST', `/api/v1/gamedays/${id}/launch`, token.vic ?? '', {})).status).toBe(403); // villains write, facilitators launch
    // The comcheck: rita confirms her console reaches her; the white cell sees who did not yet.
    expect((await call(server.url, 'POST', `/api/v1/gamedays/${id}/comcheck`, token.rita ?? '', {})).status).toBe(201);
    const comcheck = ((await get('fac', `/api/v1/gamedays/${id}`)).body.gameday as { comcheck: Record<string, number | null> }).comcheck;
    expect(Object.entries(comcheck).map(([who, at]) => `${who} ${at === null ? 'not yet' : 'reached'}`)).toEqual([
      'rita reached',
      'sam not yet',
      'olga not yet',
    ]);
    expect(((await get('sam', `/api/v1/gamedays/${id}`)).body.gameday as { comcheck: unknown }).comcheck).toEqual({ you: null });
    expect((await call(server.url, 'POST', '/api/v1/gamedays/worker-freeze/launch', token.fac ?? '', {})).status).toBe(200);

    // The responders' bot: sees a console, not the scenario.
    await eventually(async () => expect(((await get('rita', `/api/v1/gamedays/${id}`)).body.gameday as Console).state).toBe('running'));
    const view = (await get('rita', `/api/v1/gamedays/${id}`)).body;
    const seen = JSON.stringify(view);
    for (const secret of ['worker-freeze', 'worker-freezes', 'The worker freezes', 'process-pause', 'aftershock'])
      expect(seen, `a responder's console says ${secret}`).not.toContain(secret);
    expect((view.gameday as Console).publicTitle).toBe('Thursday game day');
    expect((await get('otto', `/api/v1/gamedays/${id}`)).status).toBe(404);
    // The suspected cause is picked from lists that are the same for every role and every game day.
    const causes = (await get('rita', `/api/v1/gamedays/${id}/causes`)).body;
    expect(causes.faults).toEqual(expect.arrayContaining(['process-pause', 'process-kill', 'proxy-latency']));
    expect((await get('vic', `/api/v1/gamedays/${id}/causes`)).body).toEqual(causes);
    expect((await get('otto', `/api/v1/gamedays/${id}/causes`)).status).toBe(404);
    expect((await get('rita', '/api/v1/gamedays/worker-freeze')).status).toBe(404);
    expect((await get('rita', `/api/v1/gamedays/${id}/review`)).status).toBe(403);
    expect(((await get('otto', '/api/v1/gamedays')).body.gamedays as unknown[]).length).toBe(0);

    // The fault is in: the worker is frozen; the step's run is secret.
    await eventually(() => expect(processState(shop.worker.pid ?? 0)).toBe('T'));
    const white = (await get('fac', `/api/v1/gamedays/${id}`)).body.gameday as Console;
    const runId = white.progress?.steps[0]?.runId ?? '';
    expect(runId).not.toBe('');
    expect((await get('rita', `/api/v1/runs/${runId}`)).status).toBe(404);

    // The bot notices what users notice (the gateway fails), and takes a couple of seconds to react.
    await eventually(async () => expect((await fetch(shop.gatewayUrl)).status).toBe(502));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const declare = (body: Record<string, unknown>) =>
      call(server.url, 'POST', `/api/v1/gamedays/${id}/declarations`, token.rita ?? '', body);
    expect((await declare({ declare: 'detected', detail: 'the gateway answers 502' })).status).toBe(201);
    expect((await declare({ declare: 'acknowledged' })).status).toBe(201);
    expect(
      (await declare({ declare: 'diagnosed', cause: { service: 'Worker', fault: 'process-pause' }, detail: 'it is stopped (state T)' }))
        .status,
    ).toBe(201);
    expect((await call(server.url, 'POST', `/api/v1/gamedays/${id}/declarations`, token.olga ?? '', { declare: 'detected' })).status).toBe(
      403,
    );
    // Contained the way a responder would: fail over, through the gateway's own endpoint.
    await fetch(`${shop.gatewayUrl}/failover`, { method: 'POST' });
    expect((await declare({ declare: 'contained' })).status).toBe(201);

    const ended = await eventually(async () => {
      const day = (await get('rita', `/api/v1/gamedays/${id}`)).body.gameday as Console;
      expect(day.state).toBe('ended');
      return day;
    }, 40_000);
    expect(processState(shop.worker.pid ?? 0)).not.toBe('T'); // the revert is real
    // Revealed at its end: the responders now read the scenario, the runs and the review.
    expect(ended.revealed).toBe(true);
    expect(ended.progress?.endedReason).toBe('every step was contained and recovered');
    expect(ended.progress?.steps.map((s) => [s.name, s.state])).toEqual([
      ['freeze', 'ended'],
      ['aftershock', 'ended'],
    ]);
    const freeze = ended.progress?.steps[0];
    expect(freeze?.containedAt).toBeGreaterThan(freeze?.injectedAt ?? Infinity);
    expect(freeze?.recoveredAt).toBeGreaterThan(freeze?.injectedAt ?? Infinity);
    expect((await get('rita', `/api/v1/runs/${runId}`)).status).toBe(200);
    const reviewed = (await get('rita', `/api/v1/gamedays/${id}/review?format=json`)).body;
    const review = reviewed.review as string;
    const measures = reviewed.measures as { step: string; teams: { team: string; timings: Record<string, { by?: string }> }[] }[];
    expect(measures.map((m) => [m.step, m.teams[0]?.team, m.teams[0]?.timings.contain?.by])).toEqual([
      ['freeze', 'shop', 'containment probe'],
      ['aftershock', 'shop', undefined],
    ]);
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'gameday-review.md'), review); // for a person to read
    expect(review).toMatch(/^# Review: The worker freezes and the gateway must fail over/);
    expect(review).toMatch(
      /\| shop \| \S+ \(declared by rita; target 1m: met\) \| \S+ \(declared by rita; target 1m: met\) \| \S+ \(containment probe; target 2m: met\) \| \S+ \(hypothesis probes; target 3m: met\) \| service Worker, fault process-pause: it is stopped \(state T\) after \S+ — correct \|/,
    );
    expect(review).toMatch(/\| contained-in-time \| MET \|/);
    expect(review).toContain('| nothing to recover: users saw no impact |'); // the quiet aftershock
    expect(review).toMatch(
      /The hypothesis broke \S+ after the injection\. Users: [\d.]+ % of the \d+ checks of the hypothesis succeeded \(about \S+ down\), [\d.]+ % of the error budget of a 99\.9 % objective over 30 days\./,
    );
    expect(review).toMatch(/shop: contained \| rita/);

    // The team writes what it learnt and its action items; the facilitator schedules the re-run, which plays by itself.
    const notes = {
      learnt: 'The gateway fails over by hand only.',
      actions: [{ action: 'Automate the failover', owner: 'sam', due: '2026-12-20' }],
    };
    expect((await call(server.url, 'PUT', `/api/v1/gamedays/${id}/review`, token.rita ?? '', notes)).status).toBe(200);
    expect((await call(server.url, 'PUT', `/api/v1/gamedays/${id}/review`, token.otto ?? '', notes)).status).toBe(404);
    expect((await call(server.url, 'POST', `/api/v1/gamedays/${id}/rerun`, token.rita ?? '', { at: Date.now() })).status).toBe(403);
    const rerunAt = Date.now() + 1000;
    expect(
      (await call(server.url, 'POST', `/api/v1/gamedays/${id}/rerun`, token.fac ?? '', { at: new Date(rerunAt).toISOString() })).status,
    ).toBe(200);
    const filled = (await get('rita', `/api/v1/gamedays/${id}/review?format=json`)).body.review as string;
    expect(filled).toMatch(/## What we learnt\n\nThe gateway fails over by hand only\./);
    expect(filled).toMatch(/\| Automate the failover \| sam \| 2026-12-20 \|/);
    expect(filled).toContain(`plays again on ${new Date(rerunAt).toISOString()}`);
    const html = await fetch(`${server.url}/api/v1/gamedays/${id}/review?format=html&download=1`, {
      headers: { authorization: `Bearer ${token.rita ?? ''}` },
    });
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html.headers.get('content-disposition')).toBe('attachment; filename="review-worker-freeze.html"');
    expect(html.headers.get('content-security-policy')).toMatch(/^sandbox;/);
    const page = await html.text();
    expect(page).toMatch(/<h1>Review: The worker freezes and the gateway must fail over<\/h1>/);
    expect(page).toMatch(/<td>Automate the failover<\/td><td>sam<\/td><td>2026-12-20<\/td>/);
    await eventually(
      async () => expect(((await get('fac', `/api/v1/gamedays/${id}`)).body.gameday as Console).state).toBe('running'),
      10_000,
    );
    expect((await call(server.url, 'POST', `/api/v1/gamedays/${id}/commands`, token.fac ?? '', { command: 'end' })).status).toBe(202);
    await eventually(
      async () => expect(((await get('fac', `/api/v1/gamedays/${id}`)).body.gameday as Console).state).toBe('ended'),
      20_000,
    );
  }, 90_000);

  it('ends at once on a halt: every fault reverted, and the review says it was halted', async () => {
    const launched = await call(server.url, 'POST', '/api/v1/gamedays/worker-freeze/launch', token.fac ?? '', {}); // played again
    expect(launched.status).toBe(200);
    const id = (launched.body.gameday as { id: string }).id;
    await eventually(() => expect(processState(shop.worker.pid ?? 0)).toBe('T'));
    expect((await call(server.url, 'POST', '/api/v1/halt', token.fac ?? '', { reason: 'a real incident elsewhere' })).status).toBe(200);
    try {
      const ended = await eventually(async () => {
        const day = (await get('rita', `/api/v1/gamedays/${id}`)).body.gameday as Console & { progress?: { halted?: boolean } };
        expect(day.state).toBe('ended');
        return day;
      }, 20_000);
      expect(processState(shop.worker.pid ?? 0)).not.toBe('T');
      expect(ended.progress?.endedReason).toMatch(/^Firedrill was halted \(by fac: a real incident elsewhere\)/);
      expect(ended.progress?.halted).toBe(true);
      const review = (await get('fac', `/api/v1/gamedays/${id}/review?format=json`)).body.review as string;
      expect(review).toMatch(/\*\*Halted\*\*: every fault was reverted at once/);
    } finally {
      await call(server.url, 'POST', '/api/v1/resume', token.fac ?? '', {});
    }
  }, 60_000);

  it("ended by the facilitator mid-step: the step's run is cancelled and its fault reverted long before it would have ended", async () => {
    const yaml = freezeExperiment(shop.worker.pid ?? 0, '2m');
    expect(
      (await call(server.url, 'POST', '/api/v1/experiments', token.vic ?? '', { name: 'long-freeze', yaml, secret: true })).status,
    ).toBe(201);
    const step = `{ name: freeze, experiment: long-freeze, vars: { gateway: "${shop.gatewayUrl}" } }`;
    const file = `name: long-day\ntitle: a long freeze\nteams: { shop: [rita] }\nscenario:\n  - ${step}\n`;
    const applied = await call(server.url, 'POST', '/api/v1/gamedays/apply', token.vic ?? '', { yaml: file });
    expect(applied.status).toBe(200);
    const id = (applied.body.gameday as { id: string }).id;
    expect((await call(server.url, 'POST', `/api/v1/gamedays/${id}/launch`, token.fac ?? '', {})).status).toBe(200);
    await eventually(() => expect(processState(shop.worker.pid ?? 0)).toBe('T'));
    expect((await call(server.url, 'POST', `/api/v1/gamedays/${id}/commands`, token.fac ?? '', { command: 'end' })).status).toBe(202);
    // The pause would last 2 minutes: reverted well within this test's 30 s.
    await eventually(() => expect(processState(shop.worker.pid ?? 0)).not.toBe('T'), 20_000);
    const ended = await eventually(async () => {
      const day = (await get('fac', `/api/v1/gamedays/${id}`)).body.gameday as Console;
      expect(day.state).toBe('ended');
      return day;
    }, 20_000);
    expect(ended.progress?.endedReason).toBe('ended by the facilitator');
    const runId = ended.progress?.steps[0]?.runId ?? '';
    const run = await eventually(async () => {
      const got = (await get('fac', `/api/v1/runs/${runId}`)).body as {
        run: { state: string; verdict: string };
        journal: { faults: { status: string; verifiedAt?: string }[] };
      };
      expect(got.run.state).toBe('ended');
      return got;
    }, 20_000);
    expect(run.journal.faults.map((f) => [f.status, f.verifiedAt !== undefined])).toEqual([['reverted', true]]);
  }, 60_000);

  it("is played by a drill — unannounced, in a window or at a date — whose launch takes the game day's verdict", async () => {
    const day = 'name: quick-day\ntitle: a quick day\nteams: { shop: [rita] }\nscenario:\n  - { name: q, experiment: quiet-step }\n';
    expect((await call(server.url, 'POST', '/api/v1/gamedays/apply', token.fac ?? '', { yaml: day })).status).toBe(200);
    const at = new Date(Date.now() + 3000).toISOString();
    const drills = `drills:\n  - name: surprise-day\n    team: shop\n    announcement: unannounced\n    gameday: quick-day\n    schedule: { once: "${at}" }\n`;
    const missing = await call(server.url, 'POST', '/api/v1/drills/apply', token.fac ?? '', {
      yaml: drills.replace('gameday: quick-day', 'gameday: no-such-day'),
    });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toMatch(/no stored game day named no-such-day/);
    expect((await call(server.url, 'POST', '/api/v1/drills/apply', token.fac ?? '', { yaml: drills })).status).toBe(200);
    const launch = await eventually(async () => {
      const calendar = (await get('fac', `/api/v1/drills/calendar?since=${Date.now() - 60_000}&until=${Date.now() + 60_000}`)).body
        .launches as {
        drill: string;
        state: string;
        verdict: string | null;
        runId: string | null;
      }[];
      const found = calendar.find((l) => l.drill === 'surprise-day');
      expect(found).toMatchObject({ state: 'ended', verdict: 'passed' });
      return found;
    }, 30_000);
    const played = (await get('fac', '/api/v1/gamedays/quick-day')).body.gameday as Console & { progress: { launchRef?: string } };
    expect(played.state).toBe('ended');
    expect(played.progress.launchRef).toBe(launch?.runId);
  }, 60_000);
});
