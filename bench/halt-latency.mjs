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
import { runScenario } from './scenario.mjs';
import { api, isStopped, median, nowMs, pollUntil, round1, round2, runSummary, timeDirectResume } from './support.mjs';

/** A `firedrill run` holding every sleeper paused, as the agent lists it; the ms it took. */
async function pauseAll({ agent, pids, run }, i) {
  const started = nowMs();
  const ran = run(['--json', '-q'], { timeoutMs: 120_000 });
  if ((await pollUntil(() => pids.every(isStopped), 60_000)) === undefined)
    throw new Error(`run ${i}: the ${pids.length} processes were never all paused`);
  for (;;) {
    const status = await api(agent, 'GET', '/v1/status');
    if (status.faults.length === pids.length) break;
    if (nowMs() - started > 60_000) throw new Error(`run ${i}: the agent lists ${status.faults.length} active faults`);
  }
  return { ran, setupMs: nowMs() - started };
}

/**
 * One halt, the agent's answer: via 'cli', `firedrill halt --json` (its wall time, spawn to exit,
 * into `into.wall`); via 'api', `POST /v1/halt` (its round trip from `started` into
 * `into.roundTrip`).
 */
async function halt({ agent, cli }, via, into, started, problem) {
  if (via === 'api') {
    const halted = await api(agent, 'POST', '/v1/halt', { reason: 'halt-latency bench' });
    into.roundTrip.push(nowMs() - started);
    return {
      latencyMs: halted.latencyMs,
      reverted: halted.reverted.length,
      unverified: halted.reverted.filter((r) => !r.verification.ok).length,
    };
  }
  const halted = await cli(['halt', '--json', '--reason', 'halt-latency bench'], { timeoutMs: 30_000 });
  if (halted.code !== 0) problem(`firedrill halt exited ${halted.code}: ${halted.stderr.trim()}`);
  const local = JSON.parse(halted.stdout).agents.find((a) => a.agent === 'local');
  into.wall.push(halted.ms);
  return { latencyMs: local.latencyMs, reverted: local.reverted, unverified: local.unverified };
}

async function measure(s) {
  const { options, pids } = s;
  const m = {
    cli: { latency: [], wall: [], stillStopped: [], toAllRunning: [] },
    api: { latency: [], roundTrip: [], stillStopped: [], toAllRunning: [] },
    reference: [],
    setup: [],
    problems: [],
  };
  for (let i = 0; i < options.runs * 2; i++) {
    const via = i % 2 === 0 ? 'cli' : 'api';
    const into = m[via];
    const problem = (text) => m.problems.push(`run ${i}: ${text}`);
    const { ran, setupMs } = await pauseAll(s, i);
    m.setup.push(setupMs);

    const started = nowMs();
    const watching = pollUntil(() => !pids.some(isStopped), 10_000); // meanwhile, from /proc
    const answer = await halt(s, via, into, started, problem);
    into.stillStopped.push(pids.filter(isStopped).length);
    const allRunning = await watching;
    if (allRunning === undefined) problem(`${pids.filter(isStopped).length} processes still stopped 10 s after the halt`);
    else into.toAllRunning.push(allRunning - started);
    into.latency.push(answer.latencyMs);
    if (answer.reverted !== pids.length || answer.unverified) problem(`halt reverted ${answer.reverted}, ${answer.unverified} unverified`);

    const ended = await ran;
    const verdict = runSummary(ended).verdict;
    if (verdict !== 'aborted') problem(`the run ended ${verdict ?? `without a verdict (exit ${ended.code})`}`);
    const resumed = await s.cli(['resume', '--json'], { timeoutMs: 30_000 });
    if (resumed.code !== 0) throw new Error(`firedrill resume exited ${resumed.code}: ${resumed.stderr}`);
    m.reference.push(await timeDirectResume(pids));
    console.error(
      `halt-latency: ${i + 1}/${options.runs * 2} via ${via}: agent ${round1(answer.latencyMs)} ms, setup ${Math.round(setupMs)} ms`,
    );
  }
  return m;
}

/** The halts of one path; `name`: the median of its own wall-clock figure (`values`). */
const haltStats = (m, name, values) => ({
  agentLatencyMedianMs: round1(median(m.latency)),
  agentLatencyMaxMs: round1(Math.max(...m.latency)),
  [name]: round1(median(values)),
  toAllRunningMedianMs: round1(median(m.toAllRunning)),
  stillStoppedWhenAnswered: Math.max(...m.stillStopped),
});

function summarize({ cli, api: direct, reference, setup, problems }, { options, pids }) {
  const result = {
    runsPerPath: options.runs,
    faults: pids.length,
    referenceMedianMs: round2(median(reference)),
    cli: haltStats(cli, 'wallMedianMs', cli.wall),
    api: haltStats(direct, 'roundTripMedianMs', direct.roundTrip),
    setupMedianMs: Math.round(median(setup)),
    problems,
  };
  const all = [...cli.latency, ...direct.latency];
  result.agentLatencyMedianMs = round1(median(all));
  result.ratio = round1(median(all) / median(reference));
  result.met = result.agentLatencyMedianMs <= 100 && problems.length === 0;
  return result;
}

const results = {
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
  columns: [
    'date',
    'commit',
    'machine',
    'halts',
    'SIGCONT 100 ms (ref)',
    'agent ms (CLI / API halts)',
    'agent max ms',
    'ratio',
    'CLI wall ms',
    'API round trip ms',
    'still stopped at answer',
    '≤ 100 ms',
  ],
  cells: ({ cli, api: direct, ...result }, { options }) => [
    `${options.runs} + ${options.runs}`,
    result.referenceMedianMs,
    `${cli.agentLatencyMedianMs} / ${direct.agentLatencyMedianMs}`,
    Math.max(cli.agentLatencyMaxMs, direct.agentLatencyMaxMs),
    `${result.ratio}×`,
    cli.wallMedianMs,
    direct.roundTripMedianMs,
    Math.max(cli.stillStoppedWhenAnswered, direct.stillStoppedWhenAnswered),
    result.met ? 'yes' : 'no',
  ],
};

await runScenario({
  name: 'halt',
  defaults: { runs: 10, faults: 100 },
  sleepers: (options) => options.faults,
  experiment: ({ pids }) => `title: halt-latency bench
targets:
  sleepers: { kind: process, selector: { pid: [${pids.join(', ')}] }, mode: all }
method:
  - { name: freeze, fault: process-pause, target: sleepers, duration: 10m }
runtime:
  maxDuration: 5m
`,
  measure,
  summarize,
  results,
});
