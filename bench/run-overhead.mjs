// Wall time of a trivial `firedrill run` — one HTTP probe before and after, a 0-second pause
// fault on a sleeping process — against `node -e 0`, both measured in this run, interleaved,
// so the ratio holds on a noisy shared machine. Target (DESIGN.md): the whole run ≤ 150 ms.
//
//   node bench/run-overhead.mjs [--runs 15] [--write]
//
// --write adds a row to the run-overhead table of bench/RESULTS.md. "warm" runs start with the V8 code cache that
// bin/firedrill.js keeps next to the bundle; "cold" runs delete it first (a first start).
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { runScenario } from './scenario.mjs';
import { adoptAgent, bin, median, root, round1, stopAgent } from './support.mjs';

/** What the probe asks; it lives in this process, so the runs are timed asynchronously. */
const server = createServer((_request, response) => response.end('ok'));

/** Wall ms of `command …args` in `cwd`, spawn to exit; rejects on a non-zero exit. */
function time(cwd, command, commandArgs) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, commandArgs, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${command} ${commandArgs.join(' ')} exited ${code}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e6);
    });
  });
}

async function measure({ options, dir, experiment }) {
  const m = { firedrill: [], cold: [], node: [] };
  const codeCache = join(root, 'dist', '.cache');
  const run = () => time(dir, process.execPath, [bin, 'run', experiment, '-q']);
  await run(); // warm the disk cache
  for (let i = 0; i < options.runs; i++) {
    m.node.push(await time(dir, process.execPath, ['-e', '0']));
    m.firedrill.push(await run());
    if (i % 3 === 0) {
      rmSync(codeCache, { recursive: true, force: true });
      m.cold.push(await run());
    }
  }
  return m;
}

const summarize = (m, { options }) => ({
  runs: options.runs,
  nodeMedianMs: round1(median(m.node)),
  firedrillMedianMs: round1(median(m.firedrill)),
  firedrillMinMs: round1(Math.min(...m.firedrill)),
  ratio: round1(median(m.firedrill) / median(m.node)),
  coldMedianMs: round1(median(m.cold)),
});

await runScenario({
  name: 'overhead',
  defaults: { runs: 15 },
  prepare: () => new Promise((resolve) => server.listen(0, '127.0.0.1', resolve)),
  sleepers: () => 1,
  experiment: ({ pids: [pid] }) => `title: trivial
targets:
  sleeper: { kind: process, selector: { pid: ${pid} } }
hypothesis:
  during: false
  probes:
    - { name: up, probe: http, params: { url: "http://127.0.0.1:${server.address().port}/" } }
method:
  - { fault: process-pause, target: sleeper, duration: 0s }
`,
  agent: false, // the first run starts the local agent, as a user's would
  measure,
  async teardown({ stateDir }) {
    server.close();
    // That agent, detached, would linger 10 minutes idle over a deleted state dir: stop it the
    // way a user would, SIGTERM, and wait for it to go.
    await stopAgent(adoptAgent(stateDir));
  },
  summarize,
  print: (result) => console.log(JSON.stringify(result)),
  // Under its own table: other benchmarks' sections follow this one in RESULTS.md.
  results: {
    id: 'run-overhead',
    cells: (r) => [r.runs, r.nodeMedianMs, r.firedrillMedianMs, `${r.ratio}×`, r.coldMedianMs, r.firedrillMedianMs <= 150 ? 'yes' : 'no'],
  },
  passed: () => true, // a measurement, not a gate: `npm run bench` does not fail on a slow machine
});
