// Halt latency: `firedrill halt` with 100 active faults on the local agent → every fault reverted
// and verified.
//
// Each repetition starts a `node bin/firedrill.js run` that pauses 100 `sleep` processes of this
// script (`process-pause`, mode all, 10 m; default 5 s lease, renewed by the run), waits until
// /proc shows all 100 stopped and the agent lists 100 active faults, then halts — alternately
// with `firedrill halt --json` (the agent's `latencyMs` from its answer, and the CLI's wall time
// from spawn to exit) and with a direct `POST /v1/halt` (the agent's `latencyMs`, and the HTTP
// round trip). It then checks from /proc that all 100 run again (how many were still stopped
// when the halt answered, and when the last one ran), waits for the run to end `aborted`, and
// lifts the halt with `firedrill resume`.
//
// Reference, interleaved in the same run: this script SIGSTOPs the same 100 processes itself and
// times SIGCONT to all of them until /proc shows none stopped — the irreducible work.
// Target (DESIGN.md): ≤ 100 ms (the agent's latencyMs, median).
//
//   npm run build && node bench/halt-latency.mjs [--runs 10] [--write]
//
// --runs is per halt path (CLI and API), so the default makes 20 halts. Everything happens in a
// fresh temp dir (working directory and --state-dir), removed at the end with the agent and
// the sleeps, also on a failure. "to all running" is halt sent → /proc shows all 100 running,
// polled by this script while the halt is in flight.
import { join } from 'node:path';
import {
  api,
  cleanup,
  gitRev,
  isStopped,
  machine,
  makeTempDir,
  median,
  nowMs,
  parseArgs,
  pollUntil,
  round1,
  round2,
  runCli,
  spawnSleeps,
  startAgent,
  stopAgent,
  timeDirectResume,
  today,
  writeExperiment,
  writeResultRow,
} from './support.mjs';

const options = parseArgs({ runs: 10, faults: 100 });
const dir = makeTempDir('halt');
const stateDir = join(dir, '.firedrill');
const pids = spawnSleeps(options.faults);
const experiment = writeExperiment(
  dir,
  'halt.yaml',
  `title: halt-latency bench
targets:
  sleepers: { kind: process, selector: { pid: [${pids.join(', ')}] }, mode: all }
method:
  - { name: freeze, fault: process-pause, target: sleepers, duration: 10m }
runtime:
  maxDuration: 5m
`,
);

const cli = { latency: [], wall: [], stillStopped: [], toAllRunning: [] };
const direct = { latency: [], roundTrip: [], stillStopped: [], toAllRunning: [] };
const reference = [];
const setup = [];
const problems = [];
let agent;
try {
  agent = await startAgent(stateDir);
  for (let i = 0; i < options.runs * 2; i++) {
    const viaCli = i % 2 === 0;
    const setupStarted = nowMs();
    const run = runCli(['run', experiment, '--json', '-q', '--state-dir', stateDir], { cwd: dir, timeoutMs: 120_000 });
    if ((await pollUntil(() => pids.every(isStopped), 60_000)) === undefined) throw new Error(`run ${i}: the ${pids.length} processes were never all paused`);
    for (;;) {
      const status = await api(agent, 'GET', '/v1/status');
      if (status.faults.length === pids.length) break;
      if (nowMs() - setupStarted > 60_000) throw new Error(`run ${i}: the agent lists ${status.faults.length} active faults`);
    }
    setup.push(nowMs() - setupStarted);

    const into = viaCli ? cli : direct;
    const started = nowMs();
    const watching = pollUntil(() => !pids.some(isStopped), 10_000); // meanwhile, from /proc
    let answer;
    if (viaCli) {
      const halted = await runCli(['halt', '--json', '--reason', 'halt-latency bench', '--state-dir', stateDir], { cwd: dir, timeoutMs: 30_000 });
      if (halted.code !== 0) problems.push(`run ${i}: firedrill halt exited ${halted.code}: ${halted.stderr.trim()}`);
      const local = JSON.parse(halted.stdout).agents.find((a) => a.agent === 'local');
      answer = { latencyMs: local.latencyMs, reverted: local.reverted, unverified: local.unverified };
      cli.wall.push(halted.ms);
    } else {
      const halted = await api(agent, 'POST', '/v1/halt', { reason: 'halt-latency bench' });
      direct.roundTrip.push(nowMs() - started);
      answer = { latencyMs: halted.latencyMs, reverted: halted.reverted.length, unverified: halted.reverted.filter((r) => !r.verification.ok).length };
    }
    into.stillStopped.push(pids.filter(isStopped).length);
    const allRunning = await watching;
    if (allRunning === undefined) problems.push(`run ${i}: ${pids.filter(isStopped).length} processes still stopped 10 s after the halt`);
    else into.toAllRunning.push(allRunning - started);
    into.latency.push(answer.latencyMs);
    if (answer.reverted !== pids.length || answer.unverified) problems.push(`run ${i}: halt reverted ${answer.reverted}, ${answer.unverified} unverified`);

    const ended = await run;
    const verdict = JSON.parse(ended.stdout.trim().split('\n').pop() || '{}').verdict;
    if (verdict !== 'aborted') problems.push(`run ${i}: the run ended ${verdict ?? `without a verdict (exit ${ended.code})`}`);
    const resumed = await runCli(['resume', '--json', '--state-dir', stateDir], { cwd: dir, timeoutMs: 30_000 });
    if (resumed.code !== 0) throw new Error(`firedrill resume exited ${resumed.code}: ${resumed.stderr}`);
    reference.push(await timeDirectResume(pids));
    console.error(`halt-latency: ${i + 1}/${options.runs * 2} via ${viaCli ? 'cli' : 'api'}: agent ${round1(answer.latencyMs)} ms, setup ${Math.round(setup.at(-1))} ms`);
  }
} finally {
  await stopAgent(agent);
  await cleanup(); // the sleeps, the temp dir
}

const result = {
  runsPerPath: options.runs,
  faults: pids.length,
  referenceMedianMs: round2(median(reference)),
  cli: {
    agentLatencyMedianMs: round1(median(cli.latency)),
    agentLatencyMaxMs: round1(Math.max(...cli.latency)),
    wallMedianMs: round1(median(cli.wall)),
    toAllRunningMedianMs: round1(median(cli.toAllRunning)),
    stillStoppedWhenAnswered: Math.max(...cli.stillStopped),
  },
  api: {
    agentLatencyMedianMs: round1(median(direct.latency)),
    agentLatencyMaxMs: round1(Math.max(...direct.latency)),
    roundTripMedianMs: round1(median(direct.roundTrip)),
    toAllRunningMedianMs: round1(median(direct.toAllRunning)),
    stillStoppedWhenAnswered: Math.max(...direct.stillStopped),
  },
  setupMedianMs: Math.round(median(setup)),
  problems,
};
const all = [...cli.latency, ...direct.latency];
result.agentLatencyMedianMs = round1(median(all));
result.ratio = round1(median(all) / median(reference));
result.met = result.agentLatencyMedianMs <= 100 && problems.length === 0;
console.log(JSON.stringify(result, null, 2));

if (options.write) {
  writeResultRow({
    id: 'halt-latency',
    heading: '`halt` with 100 active faults on the local agent → all reverted and verified',
    explanation: `
\`node bench/halt-latency.mjs --runs 10 --write\`: each repetition starts a \`firedrill run\`
pausing 100 \`sleep\` processes (\`process-pause\`, mode all, 10 m, default 5 s lease), waits until
/proc shows all 100 stopped and the agent lists 100 active faults, then halts — alternately with
\`firedrill halt --json\` and with a direct \`POST /v1/halt\` (10 of each) — checks from /proc
that all 100 run again, waits for the run to end \`aborted\`, and runs \`firedrill resume\`.
"agent" is the \`latencyMs\` the agent answers (halt request → last revert verified; halt.json
written first), "CLI wall" is \`firedrill halt\` from spawn to exit (Node's start included),
"API" the HTTP round trip of \`POST /v1/halt\`. Reference, interleaved: the script SIGSTOPs the
same 100 processes and times SIGCONT to all 100 until /proc shows none stopped.
Target (DESIGN.md): ≤ 100 ms.`,
    columns: ['date', 'commit', 'machine', 'halts', 'SIGCONT 100 ms (ref)', 'agent ms (CLI / API halts)', 'agent max ms', 'ratio', 'CLI wall ms', 'API round trip ms', 'still stopped at answer', '≤ 100 ms'],
    row: [
      today(),
      gitRev(),
      machine(),
      `${options.runs} + ${options.runs}`,
      result.referenceMedianMs,
      `${result.cli.agentLatencyMedianMs} / ${result.api.agentLatencyMedianMs}`,
      round1(Math.max(...all)),
      `${result.ratio}×`,
      result.cli.wallMedianMs,
      result.api.roundTripMedianMs,
      Math.max(result.cli.stillStoppedWhenAnswered, result.api.stillStoppedWhenAnswered),
      result.met ? 'yes' : 'no',
    ],
  });
}
process.exitCode = result.met ? 0 : 1;
