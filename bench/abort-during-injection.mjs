// Abort while a run is still injecting: a guardrail that trips at once (its probe fails from the
// first sample) aborts a `process-pause` over 100 `sleep` processes while the injections are on
// their way. Measures the journal's `abort.latencyMs` (breach observed → every fault of the run
// reverted and verified) and how many faults had got in. Before injections could be taken back
// (endRun, a bounded request queue per agent) this waited for every queued injection: 226–281 ms.
//
// Reference, interleaved: this script SIGSTOPs the same 100 processes and times SIGCONT to all
// of them until /proc shows none stopped. Target (DESIGN.md): p99 ≤ 200 ms.
//
//   npm run build && node bench/abort-during-injection.mjs [--runs 20] [--write]
import { readFileSync } from 'node:fs';
import { runScenario } from './scenario.mjs';
import { isStopped, median, percentile, round1, round2, runSummary, timeDirectResume } from './support.mjs';

async function measure({ options, pids, run }) {
  const m = { latency: [], injected: [], reference: [] };
  for (let i = 0; i < options.runs; i++) {
    const summary = runSummary(await run(['--json', '-q'], { timeoutMs: 60_000 }));
    if (summary.verdict !== 'aborted') throw new Error(`run ${i}: verdict ${summary.verdict} (${summary.reason})`);
    if (pids.some(isStopped)) throw new Error(`run ${i}: a process is still paused after the run`);
    const journal = JSON.parse(readFileSync(summary.journal, 'utf8'));
    m.latency.push(journal.abort.latencyMs);
    m.injected.push(journal.faults.filter((f) => f.status === 'reverted').length);
    m.reference.push(await timeDirectResume(pids));
  }
  return m;
}

function summarize(m, { options, pids }) {
  const result = {
    runs: options.runs,
    faults: pids.length,
    referenceMedianMs: round2(median(m.reference)),
    abortLatencyMs: { p50: round1(percentile(m.latency, 50)), p99: round1(percentile(m.latency, 99)), max: round1(Math.max(...m.latency)) },
    injectedBeforeAbortMedian: median(m.injected),
  };
  result.met = result.abortLatencyMs.p99 <= 200;
  return result;
}

const results = {
  id: 'abort-during-injection',
  heading: 'a guardrail trips while 100 faults are being injected',
  explanation: `
\`node bench/abort-during-injection.mjs --runs 20 --write\`: a \`process-pause\` over 100 \`sleep\`
processes with a guardrail whose probe fails from its first sample (\`failures >= 1\`, every
20 ms), so the run aborts while its injections are on their way. "abort" is the journal's
\`abort.latencyMs\`; "injected" is how many faults had got in (and were reverted). Before the
agent could take injections back this waited for every queued one: 226–281 ms (3 runs, commit
7b2b0b8). Reference, interleaved: SIGCONT of the same 100 processes by the script.
Target (DESIGN.md): p99 ≤ 200 ms.`,
  columns: [
    'date',
    'commit',
    'machine',
    'runs',
    'SIGCONT 100 ms (ref)',
    'abort p50 ms',
    'p99',
    'max',
    'injected (median of 100)',
    'p99 ≤ 200 ms',
  ],
  cells: ({ abortLatencyMs: a, ...result }) => [
    result.runs,
    result.referenceMedianMs,
    a.p50,
    a.p99,
    a.max,
    result.injectedBeforeAbortMedian,
    result.met ? 'yes' : 'no',
  ],
};

await runScenario({
  name: 'abort-injecting',
  defaults: { runs: 20, faults: 100 },
  sleepers: (options) => options.faults,
  experiment: ({ pids }) => `title: abort during injection
targets:
  sleepers: { kind: process, selector: { pid: [${pids.join(', ')}] } }
guardrails:
  - { name: closed-port, probe: tcp, params: { port: 1 }, interval: 20ms, minSamples: 1, condition: "failures >= 1" }
method:
  - { name: freeze, fault: process-pause, target: sleepers, duration: 10m }
`,
  measure,
  summarize,
  results,
});
