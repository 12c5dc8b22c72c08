// Drills at scale and on time (issue 12), measured against references run in the same bench:
//
// - plan: 10,000 drills with mixed schedules (cron in 8 zones, random moments in windows, mtbf,
//   once; team, global and drills' own blackouts: bench/drills/generate.mjs), applied to a real
//   `firedrill server` through POST /api/v1/drills/apply, none due in the next 3 hours. Then, in
//   this process, on the specs read back from its SQLite store (bench/drills/engine.mjs builds
//   the engine from src with esbuild): the next due launch of every drill — nextLaunches over
//   the scheduler's 24 h horizon with its blackouts — after a warm-up, --rounds rounds, each
//   beside the reference JSON.parse of the 10,000 stored specs. And the Scheduler itself on a
//   copy of that store with no launch planned: its first pass (plans 24 h of each drill into
//   the store), --ticks steady ticks 500 ms apart on a clock the bench moves, a restart's first
//   pass; rows and bytes the plan adds to the store. Target: ≤ 50 ms.
// - idle: that server restarted on its store, and a reference server with no drill, side by
//   side once their start-up work is over (the restart plans every drill again): CPU of each
//   from /proc/PID/stat (utime + stime) over the same --seconds, as % of one core. Target: < 1 %.
//   Then GET /api/v1/drills (each drill's next launch in 31 days) on the 10,000.
// - punctuality: a local agent (`firedrill agent`) and fresh servers in its state dir, each
//   launching `once` drills due at known whole seconds, --spacing s apart, running a stored
//   10 ms experiment; lateness = the run's createdAt − the launch's dueAt. --launches launches
//   per variant over --sessions sessions (a fresh server, so a new tick phase, each): the
//   default tick (500 ms), the same on a copy of the store holding the drills above, and the
//   reference --drill-tick 50ms, interleaved; and bare POST /api/v1/runs (sent → createdAt),
//   the floor of starting a run. Target: p99 ≤ 1 s.
//
//   node scripts/bundle.mjs && node bench/drills.mjs [--drills 10000] [--rounds 100] [--ticks 40]
//     [--seconds 30] [--launches 40] [--sessions 4] [--spacing 2] [--write]
//
// Every server, the agent and the temp dir are removed at the end, also on a failure; all
// traffic is to 127.0.0.1.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { runScenario } from './scenario.mjs';
import { nowMs, percentile, root, round1, stamp, startAgent, targetsCell, upperMedian, writeResultRow } from './support.mjs';
import { buildEngine, copyWithoutLaunches, measurePass, measureScheduler, storeSize } from './drills/engine.mjs';
import { drillsFiles, generateDrills } from './drills/generate.mjs';
import { measureIdleCpu, settle } from './drills/idle.mjs';
import { session } from './drills/punctuality.mjs';
import { call, startServer, stopServer, storeExperiment } from './drills/server.mjs';

const MB = (bytes) => round1(bytes / 1e6);
/** When the CLI bundle the servers run was built: a rebuild during the bench mixes two builds. */
const bundleBuilt = () => statSync(join(root, 'dist', 'firedrill.cjs'), { throwIfNoEntry: false })?.mtimeMs;

/** A server holding the drills, applied through the API; stopped once it planned them. */
async function seed(s) {
  const stateDir = join(s.dir, 'full');
  const server = await startServer({ stateDir, cwd: s.dir });
  s.servers.push(server);
  try {
    await storeExperiment(server, 't');
    const generated = generateDrills(s.options.drills);
    const started = nowMs();
    for (const [i, yaml] of drillsFiles(generated).entries())
      await call(server, 'POST', '/api/v1/drills/apply', { yaml, file: `d${i}.yaml` });
    const applySeconds = round1((nowMs() - started) / 1000);
    const planned = await settle(server);
    return { stateDir, token: server.token, kinds: generated.kinds, applySeconds, planned };
  } finally {
    await stopServer(server);
  }
}

async function plan(s, seeded) {
  const { options } = s;
  const file = join(seeded.stateDir, 'server.db');
  const served = storeSize(file); // what the server planned (its first pass after each apply)
  const engine = await buildEngine(s.dir);
  const now = Date.now();
  const pass = measurePass(engine, file, { rounds: options.rounds, warmup: 5, now });
  const copy = join(s.dir, 'unplanned.db');
  const drillsOnlyBytes = copyWithoutLaunches(file, copy);
  const scheduler = await measureScheduler(engine, copy, { ticks: options.ticks, now });
  return {
    pass,
    scheduler,
    store: {
      drillsOnlyMB: MB(drillsOnlyBytes),
      plannedMB: MB(scheduler.bytes),
      serverLaunches: served.launches,
      serverMB: MB(served.bytes),
    },
  };
}

async function idle(s, seeded) {
  const full = await startServer({ stateDir: seeded.stateDir, cwd: s.dir, token: seeded.token });
  s.servers.push(full);
  const empty = await startServer({ stateDir: join(s.dir, 'empty'), cwd: s.dir });
  s.servers.push(empty);
  try {
    const [fullStart, emptyStart] = await Promise.all([settle(full), settle(empty)]);
    const cpu = await measureIdleCpu({ drills: full, empty }, { seconds: s.options.seconds, windows: 3 });
    const list = [];
    for (let i = 0; i < 3; i++) {
      const at = nowMs();
      const { drills } = await call(full, 'GET', '/api/v1/drills');
      list.push(nowMs() - at);
      if (drills.length !== s.options.drills) throw new Error(`GET /api/v1/drills listed ${drills.length} drills`);
    }
    return { start: { drills: fullStart, empty: emptyStart }, cpu, listDrillsMs: round1(upperMedian(list)) };
  } finally {
    await Promise.all([stopServer(full), stopServer(empty)]);
  }
}

async function punctuality(s, seeded) {
  const { launches, sessions, spacing } = s.options;
  const stateDir = join(s.dir, 'punct');
  s.agent = await startAgent(stateDir); // scenario.mjs stops it
  const per = Math.ceil(launches / sessions);
  const got = { default: [], fast: [], loaded: [] };
  const loaded = { file: join(seeded.stateDir, 'server.db'), token: seeded.token };
  for (let i = 0; i < sessions; i++) {
    const order = ['default', 'fast', 'loaded'];
    for (let r = 0; r < i % order.length; r++) order.push(order.shift());
    for (const which of order) {
      got[which].push(
        await session({
          dir: s.dir,
          stateDir,
          index: `${which}-${i}`,
          tick: which === 'fast' ? '50ms' : undefined,
          count: per,
          spacingMs: spacing * 1000,
          ...(which === 'loaded' && { loaded }),
        }),
      );
    }
  }
  const sum = (list) => {
    const late = list.flatMap((r) => r.lateMs);
    return {
      launches: late.length,
      p50: round1(percentile(late, 50)),
      p99: round1(percentile(late, 99)),
      max: round1(Math.max(...late)),
      min: round1(Math.min(...late)),
      unlaunched: list.flatMap((r) => r.unlaunched),
    };
  };
  const posts = [...got.default, ...got.fast].flatMap((r) => r.postMs);
  return {
    default: sum(got.default),
    fast: sum(got.fast),
    loaded: sum(got.loaded),
    post: { count: posts.length, p50: round1(percentile(posts, 50)), p99: round1(percentile(posts, 99)) },
  };
}

function summarize(m, s) {
  const { pass } = m.plan;
  const result = { options: s.options, seed: m.seeded, plan: m.plan, idle: m.idle, punctuality: m.punctuality };
  delete result.seed.token;
  delete result.seed.stateDir;
  result.checks = {
    passP99Under50ms: pass.pass.p99 <= 50,
    idleUnder1Percent: m.idle.cpu.drills.cpuPercent < 1,
    punctualityP99Under1s: [m.punctuality.default, m.punctuality.loaded].every((x) => x.p99 <= 1000 && x.unlaunched.length === 0),
  };
  result.met = Object.values(result.checks).every(Boolean);
  result.bundle = { built: new Date(s.bundleBuilt).toISOString(), rebuiltDuringBench: bundleBuilt() !== s.bundleBuilt };
  if (result.bundle.rebuiltDuringBench)
    process.stderr.write('bench: dist/firedrill.cjs was rebuilt during the bench: its servers ran two builds\n');
  return result;
}

const EXPLANATION = `
\`node bench/drills.mjs --write\` (defaults: 10,000 drills, 100 rounds, 40 ticks, 30 s idle; 40
launches per variant in 4 sessions, 2 s apart). Drills: cron (40 %, 8 zones), window (25 %),
mtbf (25 %), once (10 %), one in 8 with its own blackout, 10 teams with one, one global; applied
through POST /api/v1/drills/apply to a real server; none due for 3 h. **Next launch of each**:
nextLaunches over the scheduler's 24 h horizon with each drill's blackouts, on the specs read
back from its SQLite store, in the bench's process (the engine built from src with esbuild),
p50/p99 of the rounds after 5 of warm-up; reference in the same rounds, in alternating order:
JSON.parse of the 10,000 stored specs. **Scheduler**: Scheduler.tick() on a copy of that store
with no launch planned, its clock moved by the bench: the first pass (plans 24 h of every drill
into drill_launches), steady ticks 500 ms apart (and, of those, what store.drills.list() alone
costs), a restart's first pass; launches planned and the store's size before and after
(checkpointed). **Idle**: the server holding the drills restarted, beside a server with none,
both settled, CPU (utime + stime) over the same 30 s, % of one core. **GET /drills**: the API's
list of the 10,000 (median of 3). **Punctuality**: run createdAt − launch dueAt of \`once\` drills
due at whole seconds, on fresh servers (a new tick phase each) with a local agent, a 10 ms
experiment; the default 500 ms tick, the same on a copy of the store holding the 10,000 drills,
and the reference \`--drill-tick 50ms\`, interleaved; POST /runs: sent → the run's createdAt.
Targets (issue 12): next launches ≤ 50 ms, idle < 1 % of a core, punctuality p99 ≤ 1 s.`;

await runScenario({
  name: 'drills',
  defaults: { drills: 10_000, rounds: 100, ticks: 40, seconds: 30, launches: 40, sessions: 4, spacing: 2 },
  agent: false,
  async measure(s) {
    s.servers = [];
    s.bundleBuilt = bundleBuilt();
    const seeded = await seed(s);
    const planned = await plan(s, seeded);
    const idled = await idle(s, seeded);
    return { seeded, plan: planned, idle: idled, punctuality: await punctuality(s, seeded) };
  },
  teardown: (s) => Promise.all((s.servers ?? []).map(stopServer)),
  summarize,
  write(result) {
    const [date, commit, host] = stamp();
    const { plan: p, idle: i, punctuality: q, seed: sd } = result;
    const k = sd.kinds;
    const late = (x) => `${x.p50} / ${x.p99} / ${x.max}`;
    writeResultRow({
      id: 'drills',
      heading: 'drills: next launches of 10,000, an idle scheduler, launch punctuality',
      explanation: EXPLANATION,
      columns: [
        'date',
        'commit',
        'machine',
        'drills (cron / window / mtbf / once; own blackouts)',
        'JSON.parse of the specs p50 / p99 ms (ref)',
        'next launch of each p50 / p99 ms',
        'p50 ÷ ref',
        'scheduler first pass / restart pass ms',
        'steady tick p50 / p99 ms (of which list())',
        'launches planned (24 h); store MB drills → planned',
        'idle CPU % no drills (ref) / drills',
        'RSS MiB no drills / drills',
        'GET /drills ms',
        'late ms, 50 ms tick (ref) p50 / p99 / max',
        'late ms, 500 ms tick p50 / p99 / max',
        'late ms, 500 ms tick + the drills p50 / p99 / max',
        'POST /runs → createdAt p50 ms',
        'targets met',
      ],
      row: [
        date,
        commit,
        host,
        `${p.pass.drills} (${k.cron} / ${k.window} / ${k.mtbf} / ${k.once}; ${k.ownBlackouts})`,
        `${p.pass.parse.p50} / ${p.pass.parse.p99}`,
        `${p.pass.pass.p50} / ${p.pass.pass.p99}`,
        `${p.pass.ratio}×`,
        `${p.scheduler.firstMs} / ${p.scheduler.restartMs}`,
        `${p.scheduler.steady.p50} / ${p.scheduler.steady.p99} (${p.scheduler.listMs})`,
        `${p.scheduler.launches}; ${p.store.drillsOnlyMB} → ${p.store.plannedMB}`,
        `${i.cpu.empty.cpuPercent} / ${i.cpu.drills.cpuPercent}`,
        `${i.cpu.empty.rssMiB} / ${i.cpu.drills.rssMiB}`,
        i.listDrillsMs,
        `${late(q.fast)}`,
        `${late(q.default)}`,
        `${late(q.loaded)}`,
        q.post.p50,
        targetsCell(result.met, result.checks),
      ],
    });
  },
});
