// Wall time of the whole `firedrill demo` (shop start, six drills, reports, shop stop), against
// a reference measured in the same run: creating, starting and stopping one PostgreSQL cluster
// (`initdb` + `pg_ctl start` + `pg_ctl stop`), the heaviest machine-bound piece the demo repeats
// (it starts two clusters and a scratch one per backup drill). Target (issue 5): ≤ 90 s.
//
//   node bench/demo.mjs [--runs 3] [--write]
//
// Each demo run is a fresh `node bin/firedrill.js demo --json` in its own state directory;
// the script also reports how long the shop took to start and the drills' own time.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bin, parseArgs, stamp, upperMedian, writeResultRow } from './support.mjs';

const options = parseArgs({ runs: 3 });
const PG = '/usr/lib/postgresql/15/bin';

/** Runs the demo once; its wall time, the shop's start time (from its progress lines) and the summary. */
async function demoOnce() {
  const dir = mkdtempSync(join(tmpdir(), 'firedrill-bench-demo-'));
  const started = performance.now();
  const child = spawn(process.execPath, [bin, 'demo', '--json', '--state-dir', join(dir, 'state')], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let shopUpMs;
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => {
    if (shopUpMs === undefined && /both gateways see every upstream healthy/.test(String(chunk))) shopUpMs = performance.now() - started;
  });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  const wallMs = performance.now() - started;
  const summary = JSON.parse(stdout || '{}');
  if (code !== 0 || !summary.matched) {
    const drills = (summary.drills ?? []).map((d) => `  ${d.drill}: ${d.verdict} (expected ${d.expected}): ${d.reason}`).join('\n');
    throw new Error(`the demo exited ${code}; its runs are kept in ${dir}\n${drills}`);
  }
  rmSync(dir, { recursive: true, force: true });
  return { wallMs, shopUpMs, summary };
}

/** initdb + start + stop of one cluster, as the postgres user (the demo does the same). */
function clusterOnce() {
  const dir = mkdtempSync(join(tmpdir(), 'firedrill-bench-pg-'));
  const postgres = execFileSync('id', ['-u', 'postgres']).toString().trim();
  chownSync(dir, Number(postgres), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
  const as = (tool, args) => execFileSync('runuser', ['-u', 'postgres', '--', join(PG, tool), ...args], { stdio: 'ignore' });
  const started = performance.now();
  try {
    as('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '--no-sync']);
    as('pg_ctl', [
      '-D',
      join(dir, 'data'),
      '-o',
      `-p ${40000 + Math.floor(Math.random() * 20000)} -c listen_addresses= -k ${dir}`,
      '-w',
      'start',
      '-l',
      join(dir, 'log'),
    ]);
    as('pg_ctl', ['-D', join(dir, 'data'), '-m', 'fast', '-w', 'stop']);
    return performance.now() - started;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const demos = [];
const clusters = [];
for (let i = 0; i < options.runs; i++) {
  clusters.push(clusterOnce());
  const run = await demoOnce();
  demos.push(run);
  console.log(
    `run ${i + 1}: demo ${(run.wallMs / 1000).toFixed(1)} s (shop up after ${(run.shopUpMs / 1000).toFixed(1)} s), one cluster ${(clusters.at(-1) / 1000).toFixed(2)} s`,
  );
  for (const drill of run.summary.drills) console.log(`  ${drill.drill}: ${drill.verdict}`);
}
clusters.push(clusterOnce());

const demoMs = upperMedian(demos.map((d) => d.wallMs));
const shopMs = upperMedian(demos.map((d) => d.shopUpMs));
const clusterMs = upperMedian(clusters);
const ratio = demoMs / clusterMs;
console.log(
  `\ndemo median ${(demoMs / 1000).toFixed(1)} s, shop up ${(shopMs / 1000).toFixed(1)} s; ` +
    `one cluster ${(clusterMs / 1000).toFixed(2)} s; ratio ${ratio.toFixed(1)}×; ≤ 90 s: ${demoMs <= 90_000 ? 'yes' : 'NO'}`,
);

if (options.write) {
  writeResultRow({
    id: 'demo',
    heading: '## demo — the whole `firedrill demo`, start to finish',
    explanation: [
      '`node bench/demo.mjs --runs 3 --write`: each run a fresh `firedrill demo --json` (shop start with two',
      'PostgreSQL clusters, six drills, reports, shop stop); reference: `initdb` + `pg_ctl start` +',
      '`pg_ctl stop` of one cluster, measured between the demo runs. Target (issue 5): ≤ 90 s.',
    ].join('\n'),
    columns: ['date', 'commit', 'machine', 'runs', 'one cluster s', 'demo s', 'ratio', 'shop up s', 'max demo s', '≤ 90 s'],
    row: [
      ...stamp(),
      String(options.runs),
      (clusterMs / 1000).toFixed(2),
      (demoMs / 1000).toFixed(1),
      `${ratio.toFixed(1)}×`,
      (shopMs / 1000).toFixed(1),
      (Math.max(...demos.map((d) => d.wallMs)) / 1000).toFixed(1),
      demoMs <= 90_000 ? 'yes' : 'no',
    ],
  });
}
