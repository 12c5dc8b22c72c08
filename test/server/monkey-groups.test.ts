import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { processState } from '../../src/targets/proc.js';
import { eventually } from '../probes/fixtures.js';
import { call, testServer, userWithToken } from './fixtures.js';

const clock = { at: Date.parse('2027-03-01T00:00:00Z'), now: () => clock.at };
const DAY = 86_400_000;

const drillFile = `
drills:
  - name: worker-monkey
    title: A worker is paused, in each datacenter on its own clock
    team: shop
    announcement: announced
    monkey:
      fault: process-pause
      duration: 1s
      targets: { labels: { app: worker } }
      groupBy: dc
    schedule:
      mtbf: { mean: 1d, allowed: [{ timezone: UTC, from: "00:00", to: "23:59" }], seed: 7 }
`;

// kube-monkey's "per target group": one mtbf clock per datacenter, each launch drawing only in its own.
describe('a monkey with groupBy', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof testServer>>;
  let facilitator: string;
  const workers = new Map<string, ChildProcess>();
  const dcOf = (name: string) => name.slice(-2, -1);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fd-monkey-groups-'));
    const services: Record<string, unknown> = {};
    // GNU sleep adds up its arguments: a distinct second one tells the workers apart.
    for (const [name, id] of [
      ['worker-a1', '11'],
      ['worker-a2', '12'],
      ['worker-b1', '21'],
      ['worker-b2', '22'],
    ] as const) {
      workers.set(name, spawn('sleep', ['600', id], { stdio: 'ignore' }));
      services[name] = {
        labels: { app: 'worker', dc: dcOf(name), 'firedrill/opt-in': 'true' },
        process: { cmdline: `^sleep 600 ${id}$` },
      };
    }
    // A worker that did not opt in, in a third datacenter: no group of its own.
    workers.set('worker-c1', spawn('sleep', ['600', '31'], { stdio: 'ignore' }));
    services['worker-c1'] = { labels: { app: 'worker', dc: 'c' }, process: { cmdline: '^sleep 600 31$' } };
    const inventory = join(dir, 'firedrill.inventory.yaml');
    writeFileSync(inventory, stringify({ services }));
    server = await testServer(undefined, { agent: true, inventory, drills: { clock, off: true } });
    facilitator = await userWithToken(server, 'alice', ['facilitator']);
  }, 60_000);

  afterAll(async () => {
    for (const child of workers.values()) child.kill('SIGKILL');
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses groupBy without a drawn schedule, at its line', async () => {
    const cron = drillFile.replace(/mtbf: .*/, 'cron: "0 3 * * *"\n      timezone: UTC');
    const refused = await call(server.url, 'POST', '/api/v1/drills/apply', facilitator, { yaml: cron });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toMatch(
      /groupBy gives each target group its own clock: it needs an mtbf or window schedule, not cron/,
    );
  });

  it('keeps one clock per group — about one launch a day in each — and draws each launch in its own group only', async () => {
    expect((await call(server.url, 'POST', '/api/v1/drills/apply', facilitator, { yaml: drillFile })).status).toBe(200);
    const seen = (await call(server.url, 'GET', '/api/v1/drills/worker-monkey/candidates', facilitator)).body;
    expect(seen).toMatchObject({ groupBy: 'dc', groups: ['a', 'b'] });
    const upcoming = (await call(server.url, 'GET', '/api/v1/drills/worker-monkey', facilitator)).body.upcoming as {
      at: number;
      group: string;
    }[];
    expect(new Set(upcoming.map((l) => l.group))).toEqual(new Set(['a', 'b']));

    // Over 200 days each datacenter's clock gives about 200 launches (σ ≈ 14; one clock for both would give about 100 each).
    const month = await server.drills.scheduler.upcoming(
      (await server.store.drills.list())[0] ??
        (() => {
          throw new Error('no drill');
        })(),
      clock.at,
      clock.at + 200 * DAY,
      new Map(),
    );
    expect(new Set(month.map((l) => l.at)).size, 'two groups launched at the same instant: one clock shared').toBe(month.length);
    const perGroup = (g: string) => month.filter((l) => l.group === g).length;
    expect(
      [perGroup('a'), perGroup('b')].every((n) => n >= 140 && n <= 260),
      `a: ${perGroup('a')}, b: ${perGroup('b')}`,
    ).toBe(true);

    // The first launch: its group's worker is paused, no other; then reverted.
    const first = month[0];
    if (!first?.group) throw new Error('no launch');
    await server.drills.scheduler.tick(); // planned
    clock.at = first.at + 1;
    await server.drills.scheduler.tick(); // launched
    const calendar = await call(server.url, 'GET', `/api/v1/drills/calendar?since=${first.at - DAY}&until=${first.at + DAY}`, facilitator);
    const launch = (calendar.body.launches as { dueAt: number; state: string; reason: string | null }[]).find((l) => l.dueAt === first.at);
    expect(launch, JSON.stringify(calendar.body)).toMatchObject({ state: 'launched' });
    const paused = await eventually(() => {
      const stopped = [...workers].filter(([, child]) => processState(child.pid ?? 0) === 'T').map(([name]) => name);
      expect(stopped).toHaveLength(1);
      return stopped;
    });
    expect(paused.map(dcOf)).toEqual([first.group]);
    await eventually(() => expect([...workers.values()].every((child) => processState(child.pid ?? 0) !== 'T')).toBe(true), 15_000);
    // By construction, not by chance: the launch's run selects in that datacenter only.
    const runId = (launch as unknown as { runId: string }).runId;
    const journal = (
      await eventually(async () => {
        const got = await call(server.url, 'GET', `/api/v1/runs/${runId}`, facilitator);
        expect(got.body.journal).not.toBeNull();
        return got;
      })
    ).body.journal as {
      experiment: { resolved: { targets: { victim: { selector: { labels: Record<string, string> } } } } };
    } | null;
    expect(journal?.experiment.resolved.targets.victim.selector.labels.dc).toBe(first.group);
  }, 60_000);
});
