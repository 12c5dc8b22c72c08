// Abort latency: a guardrail breach observed → every fault of the run reverted and verified.
//
// Each repetition is one `node bin/firedrill.js run --json` of a `process-pause` step (mode
// all, 10 m) over 10 `sleep` processes of this script — 10 active faults on the local agent —
// with a guardrail probing an HTTP server of this script every 100 ms
// (`failureRate > 20% over 500ms`). Once /proc shows all 10 paused, the server starts answering
// 500 after a random 0–500 ms; the guardrail trips and the run aborts. Read from the journal:
// `abort.latencyMs` (breach observed → last revert verified) with `observedAt`/`revertedAt`;
// seen from this script: breach observed → /proc shows all 10 running, and server flipped →
// all running (that one includes the detection, i.e. the guardrail's own window).
//
// Reference, interleaved in the same run: this script SIGSTOPs the same 10 processes itself and
// times SIGCONT to all of them until /proc shows none stopped — the irreducible work.
// Target (DESIGN.md): p99 ≤ 200 ms with probes every 100 ms.
//
//   npm run build && node bench/abort-latency.mjs [--runs 30] [--write]
//
// Everything happens in a fresh temp dir (working directory and --state-dir); the agent, the
// sleeps and the temp dir are removed at the end, also on a failure.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { runScenario } from './scenario.mjs';
import { isStopped, median, nowMs, percentile, pollUntil, round1, round2, runSummary, sleep, timeDirectResume } from './support.mjs';

/** The server the guardrail probes: 200 until `failing`, then 500. */
const guarded = { failing: false, requests: 0, url: '' };
const server = createServer((_request, response) => {
  guarded.requests += 1;
  response.statusCode = guarded.failing ? 500 : 200;
  response.end(guarded.failing ? 'failing' : 'ok');
});

async function measure({ options, pids, run }) {
  const m = { journalLatency: [], seenLatency: [], flipToRunning: [], detection: [], reference: [], problems: [] };
  for (let i = 0; i < options.runs; i++) {
    guarded.failing = false;
    const ran = run(['--json', '-q'], { timeoutMs: 60_000 });
    const active = await pollUntil(() => pids.every(isStopped), 20_000);
    if (active === undefined) throw new Error(`run ${i}: the ${pids.length} processes were never all paused`);
    await sleep(Math.random() * options['max-delay']);
    guarded.failing = true;
    const flippedAt = nowMs();
    const resumedAt = await pollUntil(() => !pids.some(isStopped), 20_000);
    if (resumedAt === undefined) throw new Error(`run ${i}: still paused 20 s after the server began failing`);
    const result = await ran;
    guarded.failing = false;
    const summary = runSummary(result);
    if (summary.verdict !== 'aborted')
      throw new Error(`run ${i}: verdict ${summary.verdict} (${summary.reason}); stderr: ${result.stderr}`);
    const journal = JSON.parse(readFileSync(summary.journal, 'utf8'));
    const abort = journal.abort;
    if (!abort?.reason?.startsWith('guardrail') || typeof abort.latencyMs !== 'number')
      throw new Error(`run ${i}: unexpected abort record ${JSON.stringify(abort)}`);
    const unverified = journal.faults.filter((f) => f.verification?.ok !== true);
    if (journal.faults.length !== pids.length || unverified.length > 0)
      m.problems.push(`run ${i}: ${journal.faults.length} faults, ${unverified.length} not verified`);
    const observedAt = Date.parse(abort.observedAt);
    m.journalLatency.push(abort.latencyMs); // observedAt → revertedAt
    m.seenLatency.push(resumedAt - observedAt); // observedAt → /proc shows all running (this script)
    m.flipToRunning.push(resumedAt - flippedAt); // server answers 500 → /proc shows all running
    m.detection.push(observedAt - flippedAt); // server answers 500 → observedAt
    m.reference.push(await timeDirectResume(pids));
    if ((i + 1) % 10 === 0) console.error(`abort-latency: ${i + 1}/${options.runs}, p50 so far ${median(m.journalLatency)} ms`);
  }
  return m;
}

const stats = (values) => ({
  p50: round1(percentile(values, 50)),
  p95: round1(percentile(values, 95)),
  p99: round1(percentile(values, 99)),
  max: round1(Math.max(...values)),
});

function summarize(m, { options, pids }) {
  const result = {
    runs: options.runs,
    faults: pids.length,
    referenceMedianMs: round2(median(m.reference)),
    abortLatencyMs: stats(m.journalLatency),
    observedToAllRunningMs: stats(m.seenLatency),
    serverFailingToAllRunningMs: stats(m.flipToRunning),
    detectionMs: stats(m.detection),
    ratioP50: round1(median(m.journalLatency) / median(m.reference)),
    guardrailRequests: guarded.requests,
    problems: m.problems,
  };
  result.met = result.abortLatencyMs.p99 <= 200 && m.problems.length === 0;
  return result;
}

const results = {
  id: 'abort-latency',
  heading: 'guardrail breach observed → every fault of the run reverted and verified',
  explanation: `
\`node bench/abort-latency.mjs --runs 30 --write\`: each run is a \`firedrill run --json\` of a
\`process-pause\` step (mode all, 10 m) over 10 \`sleep\` processes — 10 active faults on the
local agent — with an \`http\` guardrail every 100 ms (\`failureRate > 20% over 500ms\`) on a
server in the script that starts answering 500 a random 0–500 ms after /proc shows all 10
paused. "abort" is the journal's \`abort.latencyMs\` (observedAt → revertedAt: the breach seen by
the guardrail → the last revert verified); "seen" is observedAt → /proc shows all 10 running,
measured by the script (ms resolution of observedAt); "500 → running" adds the detection (the
guardrail's window). Reference, interleaved: the script SIGSTOPs the same 10 processes and times
SIGCONT to all 10 until /proc shows none stopped. Target (DESIGN.md): p99 ≤ 200 ms.`,
  columns: [
    'date',
    'commit',
    'machine',
    'runs',
    'SIGCONT 10 ms (ref)',
    'abort p50 ms',
    'p95',
    'p99',
    'max',
    'ratio p50',
    'seen p50 / p99 ms',
    '500 → running p50 ms',
    'p99 ≤ 200 ms',
  ],
  cells: ({ abortLatencyMs: a, ...result }) => [
    result.runs,
    result.referenceMedianMs,
    a.p50,
    a.p95,
    a.p99,
    a.max,
    `${result.ratioP50}×`,
    `${result.observedToAllRunningMs.p50} / ${result.observedToAllRunningMs.p99}`,
    result.serverFailingToAllRunningMs.p50,
    result.met ? 'yes' : 'no',
  ],
};

await runScenario({
  name: 'abort',
  defaults: { runs: 30, faults: 10, 'max-delay': 500 },
  async prepare() {
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    guarded.url = `http://127.0.0.1:${server.address().port}/`;
  },
  sleepers: (options) => options.faults,
  experiment: ({ pids }) => `title: abort-latency bench
targets:
  sleepers: { kind: process, selector: { pid: [${pids.join(', ')}] }, mode: all }
guardrails:
  - name: errors
    probe: http
    params: { url: "${guarded.url}", timeout: 1s }
    interval: 100ms
    condition: "failureRate > 20% over 500ms"
method:
  - { name: freeze, fault: process-pause, target: sleepers, duration: 10m }
runtime:
  maxDuration: 2m
`,
  measure,
  teardown() {
    guarded.failing = false;
    server.close();
  },
  summarize,
  results,
});
