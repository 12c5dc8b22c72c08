// Launch punctuality: a real server (and a real local agent in its state dir) launches `once`
// drills due at known whole seconds; per launch, the run's createdAt (GET /api/v1/runs/:id) −
// the launch's dueAt (GET /api/v1/drills/calendar). Sessions of one fresh server each, started
// at a random moment of the second, so that the scheduler's tick falls at another phase of the
// whole seconds in each (a server's ticks drift slowly): the default tick (500 ms), the same on
// a store holding the bench's many drills, and the reference, --drill-tick 50ms, interleaved.
// In each session, after its launches, a few bare POST /api/v1/runs of the same experiment:
// sent → the run's createdAt, the floor of starting a run through the server.
import { join } from 'node:path';
import { nowMs, sleep } from '../support.mjs';
import { copyStore } from './engine.mjs';
import { call, startServer, stopServer, storeExperiment } from './server.mjs';

const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * One session: `count` drills due `spacingMs` apart from a whole second ~`leadMs` ahead. With
 * `loaded` ({ file, token }), the server's store is a copy of `file`, which holds experiment t
 * and the many drills, and already has `token`; else a fresh store.
 */
export async function session({ dir, stateDir, index, tick, count, spacingMs, loaded, leadMs = 4000, posts = 5 }) {
  // Started at a random moment of the second: its ticks fall at another phase of the whole
  // seconds the launches are due at (each session would otherwise start at about the same one).
  await sleep(Math.random() * 1000);
  const database = join(stateDir, `session-${index}.db`);
  if (loaded) copyStore(loaded.file, database);
  const extra = ['--database', database, ...(tick ? ['--drill-tick', tick] : [])];
  const server = await startServer({ stateDir, cwd: dir, extra, token: loaded?.token });
  try {
    const experiment = loaded
      ? (await call(server, 'GET', '/api/v1/experiments')).experiments.find((e) => e.name === 't')
      : (await storeExperiment(server, 't')).experiment;
    const first = Math.ceil((Date.now() + leadMs) / 1000) * 1000;
    const dueAts = Array.from({ length: count }, (_, i) => first + i * spacingMs);
    const lines = dueAts.map(
      (at, i) =>
        `  - { name: p${index}-${i}, team: punct, experiment: t, schedule: { once: "${iso(at)}" }, preconditions: { concurrency: allow } }`,
    );
    await call(server, 'POST', '/api/v1/drills/apply', { yaml: `drills:\n${lines.join('\n')}\n`, file: 'punctuality.yaml' });
    if (Date.now() >= first) throw new Error(`the drills were applied after their first launch was due: raise the lead (${leadMs} ms)`);
    const last = dueAts.at(-1);
    await sleep(Math.max(0, last - Date.now() + 1500));
    // Every launch has its run (or has been settled otherwise), bounded.
    let launches = [];
    const deadline = nowMs() + 30_000;
    for (;;) {
      ({ launches } = await call(server, 'GET', `/api/v1/drills/calendar?since=${first - 1000}&until=${last + 1000}`));
      const settled = launches.filter((l) => l.state !== 'planned' && l.state !== 'claimed');
      if ((settled.length === count && settled.every((l) => l.runId || l.state !== 'launched')) || nowMs() > deadline) break;
      await sleep(200);
    }
    const lateMs = [];
    const unlaunched = [];
    for (const launch of launches) {
      if (!launch.runId) {
        unlaunched.push(`${launch.drill}: ${launch.state} ${launch.reason ?? ''}`.trim());
        continue;
      }
      const { run } = await call(server, 'GET', `/api/v1/runs/${launch.runId}`);
      lateMs.push(run.createdAt - launch.dueAt);
    }
    if (launches.length < count) unlaunched.push(`${count - launches.length} launches never planned`);
    // The reference floor: the same experiment started through POST /api/v1/runs.
    const postMs = [];
    for (let i = 0; i < posts; i++) {
      const sent = Date.now();
      const { run } = await call(server, 'POST', '/api/v1/runs', { experimentId: experiment.id });
      postMs.push(run.createdAt - sent);
      await sleep(200);
    }
    return { tick: tick ?? '500ms (default)', loaded: loaded !== undefined, lateMs, postMs, unlaunched };
  } finally {
    await stopServer(server);
  }
}
