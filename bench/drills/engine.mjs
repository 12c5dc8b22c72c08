// The schedule engine and the scheduler in this process, on the drills a real server stored.
//
// dist/firedrill.cjs is the CLI and exports nothing, so the bench builds the modules it times
// from src with esbuild, as scripts/bundle.mjs builds the CLI (same target, better-sqlite3 left
// to node_modules): nextLaunches (src/drills/schedule), the Scheduler (src/drills/scheduler.ts)
// and the Store (src/store/store.ts), into the bench's temp dir.
//
// - pass: the next due launch of every stored drill — nextLaunches(schedule, { after: now,
//   until: now + 24 h, key: its id, blackouts: global + team + its own }), the first not in a
//   blackout — on specs already parsed (the scheduler holds them so); reference in the same
//   rounds (in alternating order): JSON.parse of the 10,000 stored spec texts, the floor of
//   reading them.
// - scheduler: Scheduler.tick() with a clock the bench moves, on a copy of the store with no
//   launch planned: the first pass (plans 24 h of every drill), then steady ticks 500 ms apart
//   (what an idle server does twice a second), then a restart (a new Scheduler on the same
//   store: plans every drill again, all already stored); and what store.drills.list() alone
//   costs, which every tick calls.
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { nowMs, percentile, root, round1, round2 } from '../support.mjs';

const DAY = 86_400_000;

/** Builds and loads { nextLaunches, Scheduler, Store } from src. */
export async function buildEngine(dir) {
  const require = createRequire(join(root, 'package.json'));
  const { build } = require('esbuild');
  const sqlite = require.resolve('better-sqlite3');
  const outfile = join(dir, 'drills-engine.cjs');
  await build({
    stdin: {
      contents: [
        "export { nextLaunches } from './src/drills/schedule/index.ts';",
        "export { Scheduler } from './src/drills/scheduler.ts';",
        "export { Store } from './src/store/store.ts';",
      ].join('\n'),
      resolveDir: root,
      loader: 'ts',
      sourcefile: 'bench-drills-engine.ts',
    },
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20.19',
    plugins: [{ name: 'sqlite', setup: (b) => b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: sqlite, external: true })) }],
    logLevel: 'error',
  });
  return createRequire(import.meta.url)(outfile);
}

/** The stored drills (enabled, not removed) and blackouts by team, as the scheduler reads them. */
export function readStored(file) {
  const db = new Database(file, { readonly: true });
  try {
    const drills = db.prepare('SELECT id, team, spec FROM drills WHERE deleted_at IS NULL AND enabled = 1').all();
    const byTeam = new Map();
    for (const b of db.prepare('SELECT team, spec FROM blackouts').all())
      byTeam.set(b.team, [...(byTeam.get(b.team) ?? []), JSON.parse(b.spec)]);
    return { drills, byTeam };
  } finally {
    db.close();
  }
}

const time = (fn) => {
  const started = nowMs();
  const value = fn();
  return { ms: nowMs() - started, value };
};

/** The next due launch of every drill over (after, after + span]: { found, launches }. */
function nextOfEach(engine, drills, byTeam, after, span) {
  let found = 0;
  let launches = 0;
  const global = byTeam.get(null) ?? [];
  for (const drill of drills) {
    const blackouts = [...global, ...(byTeam.get(drill.team) ?? []), ...drill.spec.blackouts];
    const all = engine.nextLaunches(drill.spec.schedule, { after, until: after + span, key: drill.id, blackouts });
    launches += all.length;
    if (all.some((l) => !l.skipped)) found++;
  }
  return { found, launches };
}

const stats = (samples) => ({
  p50: round2(percentile(samples, 50)),
  p99: round2(percentile(samples, 99)),
  max: round2(Math.max(...samples)),
});

/**
 * The pure pass over every stored drill, `rounds` times after `warmup`, each round beside the
 * JSON.parse reference; `after` moves 500 ms a round, as the scheduler's clock does.
 */
export function measurePass(engine, file, { rounds, warmup, now }) {
  const { drills: rows, byTeam } = readStored(file);
  const texts = rows.map((r) => r.spec);
  const drills = rows.map((r) => ({ id: r.id, team: r.team, spec: JSON.parse(r.spec) }));
  const parse = [];
  const pass = [];
  let counted;
  // The order alternates, so that each block pays in turn for the garbage the other leaves (a
  // forced collection before each would not do: it throws V8's warm state away, and the pass
  // then takes 3–4× longer than it does in a live process).
  for (let round = 0; round < warmup + rounds; round++) {
    const after = now + round * 500;
    const parseIt = () => time(() => texts.map((text) => JSON.parse(text)));
    const passIt = () => time(() => nextOfEach(engine, drills, byTeam, after, DAY));
    let p;
    let n;
    if (round % 2 === 0) [p, n] = [parseIt(), passIt()];
    else [n, p] = [passIt(), parseIt()];
    if (round < warmup) continue;
    parse.push(p.ms);
    pass.push(n.ms);
    counted = n.value;
  }
  // The same pass per kind of schedule (medians of 5), to see where the time goes.
  const byKind = {};
  for (const kind of ['cron', 'window', 'mtbf', 'once']) {
    const some = drills.filter((d) => d.spec.schedule.kind === kind);
    const samples = [0, 1, 2, 3, 4].map((r) => time(() => nextOfEach(engine, some, byTeam, now + r * 500, DAY)).ms);
    byKind[kind] = {
      drills: some.length,
      ms: round2(percentile(samples, 50)),
      usPerDrill: round1((percentile(samples, 50) * 1000) / some.length),
    };
  }
  // What GET /api/v1/drills computes for each drill on every request: its next launch within 31 days.
  const month = [0, 1, 2].map(() => time(() => nextOfEach(engine, drills, byTeam, now, 31 * DAY)).ms);
  return {
    drills: drills.length,
    specBytes: texts.reduce((n, t) => n + t.length, 0),
    withLaunchIn24h: counted.found,
    launchesIn24h: counted.launches,
    parse: stats(parse),
    pass: stats(pass),
    ratio: round1(percentile(pass, 50) / percentile(parse, 50)),
    byKind,
    month31dMs: round1(percentile(month, 50)),
  };
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A consistent copy of the SQLite store at `from`, at `to`. */
export function copyStore(from, to) {
  const source = new Database(from, { readonly: true });
  try {
    source.prepare('VACUUM INTO ?').run(to);
  } finally {
    source.close();
  }
}

/** A copy of the store at `from` with no launch planned, at `to`; its size in bytes. */
export function copyWithoutLaunches(from, to) {
  copyStore(from, to);
  const copy = new Database(to);
  copy.exec('DELETE FROM drill_launches');
  copy.exec('VACUUM');
  copy.close();
  return statSync(to).size;
}

/** Rows of drill_launches, and the file's size once its WAL is checkpointed. */
export function storeSize(file) {
  const db = new Database(file);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { launches: db.prepare('SELECT count(*) AS n FROM drill_launches').get().n, bytes: statSync(file).size };
  } finally {
    db.close();
  }
}

/** The Scheduler's own passes on `file` (a store with drills and no launch planned). */
export async function measureScheduler(engine, file, { ticks, now }) {
  let clock = now;
  let started = 0;
  const runner = {
    newRunId: () => `bench-${started}`,
    exists: async () => false,
    halted: async () => undefined,
    start: async () => void started++,
  };
  const store = await engine.Store.open(file);
  const timeTick = async (scheduler) => {
    const at = nowMs();
    await scheduler.tick();
    return nowMs() - at;
  };
  let first;
  let restart;
  const steady = [];
  const list = [];
  try {
    const make = () => new engine.Scheduler({ store, runner, log: silent, replica: 'bench', clock: { now: () => clock } });
    const scheduler = make();
    first = await timeTick(scheduler);
    for (let i = 0; i < ticks; i++) {
      clock += 500;
      steady.push(await timeTick(scheduler));
    }
    clock += 500;
    restart = await timeTick(make());
    // Of a steady tick, what reading the drills costs: store.drills.list(), every row parsed.
    for (let i = 0; i < 5; i++) {
      const at = nowMs();
      await store.drills.list();
      list.push(nowMs() - at);
    }
  } finally {
    await store.close();
  }
  return {
    firstMs: round1(first),
    steady: stats(steady),
    listMs: round1(percentile(list, 50)),
    restartMs: round1(restart),
    launched: started,
    ...storeSize(file),
  };
}
