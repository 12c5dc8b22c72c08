import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { processState } from '../../src/targets/proc.js';
import { eventually } from '../probes/fixtures.js';
import { loggedServer, stopAll, troubles } from './drill-fixtures.js';
import { call, pauseExperiment, startAgent } from './fixtures.js';

/** How long the launch may start after its due instant: the allowed span. */
const SPAN_MS = 2000;

/**
 * The drill may launch only in a 2-second span, a few seconds from now. An allowed `window` is
 * written "HH:MM" to "HH:MM": a minute at the least, and the moment is drawn anywhere in it. So
 * the span is a `once` at a whole second T with a starting deadline of 2 s: it launches at T, or
 * up to 2 s after, or is recorded missed — never earlier, never later.
 */
function drillsFile(dueAt: number): string {
  return `
drills:
  - name: lunch-pause
    title: The worker stops for a moment
    team: shop
    announcement: unannounced
    experiment: pause-worker
    schedule: { once: "${new Date(dueAt).toISOString().replace(/\.\d+Z$/, 'Z')}", startingDeadline: ${SPAN_MS / 1000}s }
`;
}

interface Launch {
  drill: string;
  dueAt: number;
  state: string;
  runId: string | null;
  launchedAt: number | null;
  verdict: string | null;
  revealedAt: number | null;
}

interface Run {
  id: string;
  startedBy: string;
  createdAt: number;
  endedAt: number | null;
  verdict: string | null;
  secret: boolean;
}

// A real `firedrill server` (SQLite) and a real agent; the scheduler on the wall clock, ticking every 100 ms.
describe('an unannounced drill in real time, in a 2-second span', () => {
  let dir: string;
  let agent: ChildProcess;
  let server: Awaited<ReturnType<typeof loggedServer>>;
  let sleeper: ChildProcess;
  let facilitator: string;
  let responder: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fd-drill-realtime-'));
    agent = await startAgent(join(dir, '.firedrill'));
    const database = join(dir, 'store.db');
    server = await loggedServer(dir, '--database', database, '--drill-tick', '100ms');
    const store = await Store.open(database);
    try {
      const alice = await store.users.create('alice', ['facilitator']);
      facilitator = (await store.users.issueToken(alice.id, 't')).token;
      const rita = await store.users.create('rita', ['responder']);
      responder = (await store.users.issueToken(rita.id, 't')).token;
    } finally {
      await store.close();
    }
    sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    const made = await call(server.url, 'POST', '/api/v1/experiments', facilitator, {
      name: 'pause-worker',
      yaml: pauseExperiment(sleeper.pid ?? 0, '4s', 'Pause the worker'),
    });
    expect(made.status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    sleeper?.kill('SIGKILL');
    await stopAll([server?.child, agent]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('launches inside the span, pauses the process unseen by a responder, resumes it, and reveals the drill at its end', async () => {
    const dueAt = Math.ceil((Date.now() + 5000) / 1000) * 1000;
    const applied = await call(server.url, 'POST', '/api/v1/drills/apply', facilitator, { yaml: drillsFile(dueAt) });
    expect(applied.body).toMatchObject({ applied: [{ name: 'lunch-pause', created: true }] });
    const calendar = async (token: string) =>
      (await call(server.url, 'GET', `/api/v1/drills/calendar?since=${dueAt - 60_000}&until=${dueAt + 60_000}`, token)).body
        .launches as Launch[];
    const runs = async (token: string) => ((await call(server.url, 'GET', '/api/v1/runs', token)).body.runs as Run[]) ?? [];
    const responderSeesNothing = async (runId?: string) => {
      expect(await calendar(responder)).toEqual([]);
      expect((await call(server.url, 'GET', '/api/v1/drills', responder)).body).toEqual({ drills: [], windows: [] });
      expect((await runs(responder)).filter((r) => r.startedBy === 'drill lunch-pause' || r.id === runId)).toEqual([]);
      if (runId) expect((await call(server.url, 'GET', `/api/v1/runs/${runId}`, responder)).status).toBe(404);
    };

    // Planned, and secret: the white cell sees the launch coming, a responder nothing.
    await eventually(async () => expect((await calendar(facilitator)).map((l) => [l.dueAt, l.state])).toEqual([[dueAt, 'planned']]));
    await responderSeesNothing();

    // Launched inside the span.
    const launch = await eventually(async () => {
      const [found] = await calendar(facilitator);
      expect(found?.state).toMatch(/^(launched|ended)$/);
      return found as Launch;
    }, 20_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${troubles(server.log)}`);
    });
    const runId = launch.runId ?? '';
    const run = (await call(server.url, 'GET', `/api/v1/runs/${runId}`, facilitator)).body.run as Run;
    expect(run).toMatchObject({ startedBy: 'drill lunch-pause', secret: true });
    expect(launch.launchedAt).toBeGreaterThanOrEqual(dueAt);
    expect(run.createdAt).toBeGreaterThanOrEqual(dueAt); // never early
    expect(run.createdAt).toBeLessThanOrEqual(dueAt + 5000); // correctness, with room for a loaded machine: not a benchmark

    // The fault is real; while it lasts, a responder sees nothing of it.
    await eventually(() => expect(processState(sleeper.pid ?? 0)).toBe('T'), 10_000);
    await responderSeesNothing(runId);
    const checkedAt = Date.now();

    // Ended: the process runs again, and the drill is revealed to everyone.
    await eventually(async () => expect((await calendar(facilitator))[0]).toMatchObject({ state: 'ended', verdict: 'passed' }), 20_000);
    expect(processState(sleeper.pid ?? 0)).not.toBe('T');
    const ended = (await call(server.url, 'GET', `/api/v1/runs/${runId}`, facilitator)).body.run as Run;
    expect(ended.endedAt).toBeGreaterThan(checkedAt); // what the responder saw, it saw while the drill ran
    const [seen] = await calendar(responder);
    expect(seen).toMatchObject({ drill: 'lunch-pause', dueAt, runId, state: 'ended', verdict: 'passed' });
    expect(seen?.revealedAt).toBeGreaterThanOrEqual(ended.endedAt ?? Infinity);
    expect((await runs(responder)).map((r) => r.id)).toContain(runId);
    expect((await call(server.url, 'GET', `/api/v1/runs/${runId}`, responder)).status).toBe(200);
  }, 60_000);
});
