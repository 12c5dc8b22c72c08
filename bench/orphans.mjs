// Orphans after kill -9: faults of several types left behind when the controller or the agent is
// killed at a random moment, once recovery has happened. Target (DESIGN.md): 0.
//
// Each iteration runs `node bin/firedrill.js run --lease-ttl 1s` of one parallel step of four
// 2-second faults — `process-pause` on a fresh `sleep`, `cpu-stress` (1 worker, 50 %),
// `memory-pressure` (32 MiB) and `disk-fill` (4 MiB in the temp dir) — and SIGKILLs either the
// `firedrill run` process or the agent (50/50) after a random delay: a quarter in 0–200 ms (before
// the intents, mostly), a quarter in 120–400 ms (around the injection), half in 400–2600 ms
// (active, reverting, or after the run ended). The moment is classified afterwards from the
// ledger (intents created / injected / reverted before the kill). Then recovery happens:
//   - controller killed: nothing is done; the agent must revert on lease expiry (TTL 1 s);
//     the script waits up to TTL + 3 s for a clean state;
//   - agent killed: the run is left to end by itself (bounded), then the agent is started again
//     (`firedrill agent`, which reverts the open ledger records before it listens) — unless the
//     run already started one of its own, which is then used.
// Then the orphans are counted: the sleep still stopped (state T); live processes whose command
// line carries `--firedrill-tag=` with a tag of this ledger; `.firedrill-fill-*` files in the fill
// directory (and ours in the system temp dir); ledger records still `intent`/`active`; records
// `revert-failed` are counted too. Anything found is reported, then cleared (POST /v1/recover, by
// hand if that is not enough) so iterations stay independent. Error lines of the agents' logs
// are counted and reported too.
//
// In place of a reference (the target is a count, not a time), a control iteration comes first:
// the controller and the agent are both killed while the four faults are active and recovery is
// withheld; the survey must then see every kind of orphan (1 paused, 2 workers, 1 fill file,
// 4 open records), and a restarted agent must clear them — proof that the survey can see what it
// counts.
//
//   npm run build && node bench/orphans.mjs [--iterations 200] [--write]
//
// About 1.7 s per iteration (~6 min for 200 on 2 vCPUs). Everything happens in a fresh temp dir (working
// directory, --state-dir, fill directory), removed at the end with the agents, sleeps and workers.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  adoptAgent,
  agentLogErrors,
  api,
  cleanup,
  gitRev,
  killGroup,
  machine,
  makeTempDir,
  nowMs,
  onCleanup,
  parseArgs,
  pollUntil,
  procState,
  round1,
  runCli,
  sleep,
  spawnSleeps,
  startAgent,
  stopAgent,
  taggedProcesses,
  today,
  untrack,
  writeExperiment,
  writeResultRow,
} from './support.mjs';

const options = parseArgs({ iterations: 200, ttl: 1000 });
const ttl = options.ttl;
const dir = makeTempDir('orphans');
const stateDir = join(dir, '.firedrill');
const fillDir = join(dir, 'fill');
mkdirSync(fillDir, { recursive: true });
const FILL_PREFIX = '.firedrill-fill-';

const experiment = writeExperiment(
  dir,
  'orphans.yaml',
  `title: orphans bench
variables:
  pid: { type: number }
targets:
  sleeper: { kind: process, selector: { pid: "\${pid}" } }
method:
  - parallel:
      - { name: pause, fault: process-pause, target: sleeper, duration: 2s }
      - { name: cpu, fault: cpu-stress, params: { workers: 1, load: 50, maxDuration: 30s }, duration: 2s }
      - { name: memory, fault: memory-pressure, params: { mib: 32, maxDuration: 30s }, duration: 2s }
      - { name: disk, fault: disk-fill, params: { directory: "${fillDir}", bytes: 4MiB, keepFree: 64MiB }, duration: 2s }
runtime:
  maxDuration: 1m
`,
);

let agent;
let ledger;
const q = {};
const ourTag = (tag) => q.byTag.get(tag) !== undefined;
const ourWorkers = () => taggedProcesses().filter((p) => p.state !== 'Z' && ourTag(p.tag));
const fillFiles = () => {
  const found = readdirSync(fillDir).filter((name) => name.startsWith(FILL_PREFIX)).map((name) => join(fillDir, name));
  for (const name of readdirSync(tmpdir())) {
    if (name.startsWith(FILL_PREFIX) && ourTag(name.slice(FILL_PREFIX.length))) found.push(join(tmpdir(), name));
  }
  return found;
};
// Last resort on a crash of this script: no stress worker of ours may outlive it.
onCleanup(() => {
  if (!ledger?.open) return;
  for (const worker of ourWorkers()) killGroup(worker.pid, 'SIGKILL');
});

function survey(sleeperPid) {
  const state = procState(sleeperPid);
  return {
    paused: state === 'T' ? [sleeperPid] : [],
    workers: ourWorkers().map((w) => `${w.pid} ${w.tag} (${w.state})`),
    fills: fillFiles(),
    open: q.open.all().map((r) => `${r.run_id}/${r.fault_id} ${r.type} ${r.status}`),
  };
}
const count = (s) => s.paused.length + s.workers.length + s.fills.length + s.open.length;

/** When the kill fell, from this iteration's ledger records and whether the run had ended. */
function phaseOf(records, killedAt, runEndedBefore) {
  if (runEndedBefore) return 'after';
  const created = records.filter((r) => r.created_at <= killedAt);
  if (created.length === 0) return 'before';
  if (created.length < 4 || created.some((r) => r.injected_at === null || r.injected_at > killedAt)) return 'during';
  if (created.some((r) => r.reverted_at !== null && r.reverted_at <= killedAt)) return 'reverting';
  return 'active';
}

/**
 * The control, before the measured iterations: the controller and the agent are both killed
 * while all four faults are active, and recovery is withheld. The survey must then see every kind
 * of orphan (1 paused, 2 workers, 1 fill file, 4 open records) — proof that it can see them. Then
 * an agent is started, which must recover all of it.
 */
async function controlIteration() {
  const [sleeper] = spawnSleeps(1);
  const firstId = q.maxId.get().id;
  let child;
  const run = runCli(['run', experiment, '-q', '--var', `pid=${sleeper}`, '--lease-ttl', `${ttl}ms`, '--state-dir', stateDir], {
    cwd: dir,
    timeoutMs: 60_000,
    onSpawn: (c) => (child = c),
  });
  const active = await pollUntil(() => {
    const records = q.since.all(firstId);
    return records.length === 4 && records.every((r) => r.status === 'active');
  }, 20_000);
  if (active === undefined) throw new Error('control: the four faults never became active');
  process.kill(agent.pid, 'SIGKILL');
  killGroup(child.pid, 'SIGKILL');
  await run;
  await pollUntil(() => procState(agent.pid) === undefined || procState(agent.pid) === 'Z', 2000);
  untrack(agent.pid);
  const seen = survey(sleeper);
  const found = { paused: seen.paused.length, workers: seen.workers.length, fills: seen.fills.length, open: seen.open.length };
  if (found.paused !== 1 || found.workers !== 2 || found.fills !== 1 || found.open !== 4) {
    throw new Error(`control: the survey should see 1 paused, 2 workers, 1 fill file and 4 open records, saw ${JSON.stringify(seen)}`);
  }
  const restartedAt = nowMs();
  agent = await startAgent(stateDir);
  const clean = await pollUntil(() => count(survey(sleeper)) === 0, 3000);
  if (clean === undefined) throw new Error(`control: a restarted agent left ${JSON.stringify(survey(sleeper))}`);
  process.kill(sleeper, 'SIGKILL');
  untrack(sleeper);
  return { found, restartToCleanMs: round1(clean - restartedAt) };
}

let control;
let logErrors;
const tally = {}; // `${victim} ${phase}` → iterations
const orphanLog = [];
const revertFailed = [];
const recoveryMs = { controller: [], agent: [] };
const notes = [];
let totalOrphans = 0;
let agentRestarts = 0;
let agentsAdopted = 0;
const started = Date.now();
try {
  agent = await startAgent(stateDir);
  ledger = new Database(join(stateDir, 'ledger.db'), { readonly: true, fileMustExist: true });
  q.byTag = ledger.prepare('SELECT 1 FROM faults WHERE tag = ? LIMIT 1');
  q.open = ledger.prepare(`SELECT run_id, fault_id, type, status FROM faults WHERE status IN ('intent', 'active')`);
  q.since = ledger.prepare('SELECT * FROM faults WHERE id > ? ORDER BY id');
  q.failedSince = ledger.prepare(`SELECT run_id, fault_id, type, verification FROM faults WHERE id > ? AND status = 'revert-failed'`);
  q.maxId = ledger.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM faults');

  control = await controlIteration();

  for (let i = 0; i < options.iterations; i++) {
    const [sleeper] = spawnSleeps(1);
    const firstId = q.maxId.get().id;
    const victim = Math.random() < 0.5 ? 'controller' : 'agent';
    const roll = Math.random();
    const delay = roll < 0.25 ? Math.random() * 200 : roll < 0.5 ? 120 + Math.random() * 280 : 400 + Math.random() * 2200;
    let child;
    let runEnded = false;
    const run = runCli(['run', experiment, '-q', '--var', `pid=${sleeper}`, '--lease-ttl', `${ttl}ms`, '--state-dir', stateDir], {
      cwd: dir,
      timeoutMs: 60_000,
      onSpawn: (c) => (child = c),
    }).then((r) => {
      runEnded = true;
      return r;
    });
    await sleep(delay);
    const runEndedBefore = runEnded;
    const killedAt = nowMs();
    if (victim === 'controller') killGroup(child.pid, 'SIGKILL');
    else process.kill(agent.pid, 'SIGKILL'); // the agent alone, as kill -9 would

    let clean;
    if (victim === 'controller') {
      await run;
      // Recovery is the agent's job: the lease expires after the TTL.
      clean = await pollUntil(() => count(survey(sleeper)) === 0, ttl + 3000);
    } else {
      await pollUntil(() => procState(agent.pid) === undefined || procState(agent.pid) === 'Z', 2000);
      untrack(agent.pid);
      // The run notices (failed reverts, lost lease) and ends; bounded, then it is killed.
      const ended = await Promise.race([run, sleep(20_000).then(() => undefined)]);
      if (!ended) {
        notes.push(`iteration ${i}: the run had not ended 20 s after the agent was killed; killed`);
        killGroup(child.pid, 'SIGKILL');
        await run;
      }
      const theirs = adoptAgent(stateDir); // the run may have started an agent of its own
      if (theirs) {
        agent = theirs;
        agentsAdopted += 1;
      } else {
        agent = await startAgent(stateDir); // recovers before it listens
        agentRestarts += 1;
      }
      clean = await pollUntil(() => count(survey(sleeper)) === 0, 3000);
    }
    const records = q.since.all(firstId);
    const phase = phaseOf(records, killedAt, runEndedBefore);
    tally[`${victim} ${phase}`] = (tally[`${victim} ${phase}`] ?? 0) + 1;
    if (clean !== undefined) recoveryMs[victim].push(clean - killedAt);

    const found = survey(sleeper);
    const orphans = count(found);
    for (const failed of q.failedSince.all(firstId)) revertFailed.push(`iteration ${i}: ${failed.run_id}/${failed.fault_id} ${failed.type}: ${failed.verification}`);
    if (orphans > 0) {
      totalOrphans += orphans;
      orphanLog.push({ iteration: i, victim, phase, delayMs: Math.round(delay), ...found });
      // Clear them so the next iteration starts clean: the agent's recovery, then by hand.
      try {
        await api(agent, 'POST', '/v1/recover', {}, 30_000);
      } catch (error) {
        notes.push(`iteration ${i}: recover failed: ${error.message}`);
      }
      for (const worker of ourWorkers()) killGroup(worker.pid, 'SIGKILL');
      for (const file of fillFiles()) rmSync(file, { force: true });
    }
    // The sleeper's work is done: resume (if left paused) and end it.
    process.kill(sleeper, 'SIGCONT');
    process.kill(sleeper, 'SIGKILL');
    untrack(sleeper);
    await pollUntil(() => procState(sleeper) === undefined, 2000);

    if ((i + 1) % 10 === 0 || i + 1 === options.iterations) {
      const elapsed = Math.round((Date.now() - started) / 1000);
      console.error(`orphans: ${i + 1}/${options.iterations} iterations, ${totalOrphans} orphan(s), ${revertFailed.length} revert-failed, ${elapsed} s`);
    }
  }
} finally {
  await stopAgent(agent);
  logErrors = agentLogErrors(stateDir); // before the temp dir goes
  // Whatever a failure may have left: workers of ours, then the tracked processes and the dir.
  await cleanup();
  ledger?.close();
}

const median = (values) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const result = {
  iterations: options.iterations,
  ttlMs: ttl,
  control,
  orphans: totalOrphans,
  revertFailed: revertFailed.length,
  agentLogErrors: logErrors,
  kills: tally,
  agentRestarts,
  agentsStartedByTheRun: agentsAdopted,
  recoveryMedianMs: { controllerKilled: round1(median(recoveryMs.controller)), agentKilled: round1(median(recoveryMs.agent)) },
  recoveryMaxMs: { controllerKilled: round1(Math.max(...recoveryMs.controller)), agentKilled: round1(Math.max(...recoveryMs.agent)) },
  durationS: Math.round((Date.now() - started) / 1000),
  orphanLog,
  revertFailedLog: revertFailed,
  notes,
};
result.met = totalOrphans === 0 && revertFailed.length === 0 && logErrors.count === 0;
console.log(JSON.stringify(result, null, 2));

if (options.write) {
  const phases = ['before', 'during', 'active', 'reverting', 'after'];
  const split = (victim) => phases.map((p) => tally[`${victim} ${p}`] ?? 0).join('/');
  writeResultRow({
    id: 'orphans',
    heading: 'faults left behind after kill -9 of the controller or the agent',
    explanation: `
\`node bench/orphans.mjs --iterations 200 --write\`: each iteration runs \`firedrill run
--lease-ttl 1s\` of one parallel step of four 2 s faults (\`process-pause\` on a fresh \`sleep\`,
\`cpu-stress\` 1 worker, \`memory-pressure\` 32 MiB, \`disk-fill\` 4 MiB) and SIGKILLs the run or the
agent (50/50) at a random moment; kills are classified from the ledger as before the intents /
during injection / all active / reverting / after the run (counts in that order). Recovery:
a killed controller is left to the agent's lease expiry; a killed agent is started again (it
reverts its open ledger records before it listens) once the run has ended. Orphans counted
after recovery: the sleep still stopped, live processes tagged \`--firedrill-tag=\` of this ledger,
\`.firedrill-fill-*\` files, ledger records still \`intent\`/\`active\`; \`revert-failed\` records
are counted apart, and so are error lines in the agents' logs. "recovery" is kill → nothing
left (median / max). In place of a reference, a control iteration first kills both processes
with every fault active and withholds recovery: the survey must see all of it ("control":
paused/workers/fill files/open records seen), and a restarted agent must clear it. Target
(DESIGN.md): 0.`,
    columns: ['date', 'commit', 'machine', 'iterations', 'control seen (p/w/f/open)', 'controller kills (b/d/a/r/after)', 'agent kills (b/d/a/r/after)', 'orphans', 'revert-failed', 'agent log errors', 'recovery ms, controller killed', 'recovery ms, agent killed', '0 orphans'],
    row: [
      today(),
      gitRev(),
      machine(),
      result.iterations,
      Object.values(control.found).join('/'),
      split('controller'),
      split('agent'),
      result.orphans,
      result.revertFailed,
      logErrors.count,
      `${result.recoveryMedianMs.controllerKilled} / ${result.recoveryMaxMs.controllerKilled}`,
      `${result.recoveryMedianMs.agentKilled} / ${result.recoveryMaxMs.agentKilled}`,
      result.met ? 'yes' : 'no',
    ],
  });
}
process.exitCode = result.met ? 0 : 1;
