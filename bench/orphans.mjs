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
// The survey is orphans/survey.mjs; the control and the measured iterations, orphans/kills.mjs.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { controlIteration, killAndRecover } from './orphans/kills.mjs';
import { openSurvey } from './orphans/survey.mjs';
import { runScenario } from './scenario.mjs';
import { agentLogErrors, round1, upperMedian } from './support.mjs';

async function measure(s) {
  const { options } = s;
  s.survey = openSurvey(s.stateDir, s.fillDir);
  const m = {
    tally: {},
    orphanLog: [],
    revertFailed: [],
    recoveryMs: { controller: [], agent: [] },
    notes: [],
    totalOrphans: 0,
    agentRestarts: 0,
    agentsAdopted: 0,
  };
  m.control = await controlIteration(s);
  for (let i = 0; i < options.iterations; i++) {
    await killAndRecover(s, m, i);
    if ((i + 1) % 10 === 0 || i + 1 === options.iterations) {
      const elapsed = Math.round((Date.now() - s.started) / 1000);
      console.error(
        `orphans: ${i + 1}/${options.iterations} iterations, ${m.totalOrphans} orphan(s), ${m.revertFailed.length} revert-failed, ${elapsed} s`,
      );
    }
  }
  return m;
}

function summarize(m, { options, logErrors, started }) {
  const result = {
    iterations: options.iterations,
    ttlMs: options.ttl,
    control: m.control,
    orphans: m.totalOrphans,
    revertFailed: m.revertFailed.length,
    agentLogErrors: logErrors,
    kills: m.tally,
    agentRestarts: m.agentRestarts,
    agentsStartedByTheRun: m.agentsAdopted,
    recoveryMedianMs: {
      controllerKilled: round1(upperMedian(m.recoveryMs.controller)),
      agentKilled: round1(upperMedian(m.recoveryMs.agent)),
    },
    recoveryMaxMs: { controllerKilled: round1(Math.max(...m.recoveryMs.controller)), agentKilled: round1(Math.max(...m.recoveryMs.agent)) },
    durationS: Math.round((Date.now() - started) / 1000),
    orphanLog: m.orphanLog,
    revertFailedLog: m.revertFailed,
    notes: m.notes,
  };
  result.met = m.totalOrphans === 0 && m.revertFailed.length === 0 && logErrors.count === 0;
  return result;
}

/** Kills of `victim` per phase, in the order of the table's header. */
const byPhase = (kills, victim) => ['before', 'during', 'active', 'reverting', 'after'].map((p) => kills[`${victim} ${p}`] ?? 0).join('/');

const results = {
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
  columns: [
    'date',
    'commit',
    'machine',
    'iterations',
    'control seen (p/w/f/open)',
    'controller kills (b/d/a/r/after)',
    'agent kills (b/d/a/r/after)',
    'orphans',
    'revert-failed',
    'agent log errors',
    'recovery ms, controller killed',
    'recovery ms, agent killed',
    '0 orphans',
  ],
  cells: ({ recoveryMedianMs: mid, recoveryMaxMs: max, ...result }) => [
    result.iterations,
    Object.values(result.control.found).join('/'),
    byPhase(result.kills, 'controller'),
    byPhase(result.kills, 'agent'),
    result.orphans,
    result.revertFailed,
    result.agentLogErrors.count,
    `${mid.controllerKilled} / ${max.controllerKilled}`,
    `${mid.agentKilled} / ${max.agentKilled}`,
    result.met ? 'yes' : 'no',
  ],
};

await runScenario({
  name: 'orphans',
  defaults: { iterations: 200, ttl: 1000 },
  prepare(s) {
    s.started = Date.now();
    s.fillDir = join(s.dir, 'fill');
    mkdirSync(s.fillDir, { recursive: true });
  },
  experiment: ({ fillDir }) => `title: orphans bench
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
  measure,
  teardown(s) {
    s.logErrors = agentLogErrors(s.stateDir); // after the agent stopped, before the temp dir goes
    s.survey?.close(); // and with it, any stress worker of ours a failure left
  },
  summarize,
  results,
});
