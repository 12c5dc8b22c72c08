// Wall time of a trivial `firedrill run` — one HTTP probe before and after, a 0-second pause
// fault on a sleeping process — against `node -e 0`, both measured in this run, interleaved,
// so the ratio holds on a noisy shared machine. Target (DESIGN.md): the whole run ≤ 150 ms.
//
//   node bench/run-overhead.mjs [--runs 15] [--write]
//
// --write adds a row to the run-overhead table of bench/RESULTS.md. "warm" runs start with the V8 code cache that
// bin/firedrill.js keeps next to the bundle; "cold" runs delete it first (a first start).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gitRev, machine, today, writeResultRow } from './results.mjs';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 15;
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'firedrill.js');
const dir = mkdtempSync(join(tmpdir(), 'firedrill-bench-'));

const server = createServer((_request, response) => response.end('ok'));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/`;
const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
const experiment = join(dir, 'trivial.yaml');
writeFileSync(
  experiment,
  `title: trivial
targets:
  sleeper: { kind: process, selector: { pid: ${sleeper.pid} } }
hypothesis:
  during: false
  probes:
    - { name: up, probe: http, params: { url: "${url}" } }
method:
  - { fault: process-pause, target: sleeper, duration: 0s }
`,
);

// The server lives in this process: run children asynchronously so it can answer.
function time(command, commandArgs) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, commandArgs, { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${command} ${commandArgs.join(' ')} exited ${code}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e6);
    });
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const firedrill = [];
const cold = [];
const node = [];
const codeCache = join(root, 'dist', '.cache');
try {
  await time(process.execPath, [bin, 'run', experiment, '-q']); // warm the disk cache
  for (let i = 0; i < runs; i++) {
    node.push(await time(process.execPath, ['-e', '0']));
    firedrill.push(await time(process.execPath, [bin, 'run', experiment, '-q']));
    if (i % 3 === 0) {
      rmSync(codeCache, { recursive: true, force: true });
      cold.push(await time(process.execPath, [bin, 'run', experiment, '-q']));
    }
  }
} finally {
  sleeper.kill('SIGKILL');
  server.close();
  await stopStartedAgent();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The first `firedrill run` started a local agent (detached, it would linger 10 minutes idle
 * over a deleted state dir): stop it the way a user would, SIGTERM, and wait for it to go.
 */
async function stopStartedAgent() {
  let pid;
  try {
    pid = JSON.parse(readFileSync(join(dir, '.firedrill', 'agent.json'), 'utf8')).pid;
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // no agent, or already gone
  }
  for (let waited = 0; waited < 10_000; waited += 20) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  process.kill(pid, 'SIGKILL');
}

const result = {
  runs,
  nodeMedianMs: Math.round(median(node) * 10) / 10,
  firedrillMedianMs: Math.round(median(firedrill) * 10) / 10,
  firedrillMinMs: Math.round(Math.min(...firedrill) * 10) / 10,
  ratio: Math.round((median(firedrill) / median(node)) * 10) / 10,
  coldMedianMs: Math.round(median(cold) * 10) / 10,
};
console.log(JSON.stringify(result));
if (args.includes('--write')) {
  // Under its own table: other benchmarks' sections follow this one in RESULTS.md.
  writeResultRow({
    id: 'run-overhead',
    row: [
      today(),
      gitRev(),
      machine(),
      runs,
      result.nodeMedianMs,
      result.firedrillMedianMs,
      `${result.ratio}×`,
      result.coldMedianMs,
      result.firedrillMedianMs <= 150 ? 'yes' : 'no',
    ],
  });
}
