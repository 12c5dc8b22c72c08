// Lease expiry: the controller holding a fault is killed (SIGKILL) → the agent reverts the fault
// by itself when the lease expires (the dead-man switch).
//
// Each repetition starts `node bin/firedrill.js run --lease-ttl 1s` pausing one `sleep` process
// of this script for 10 m (the run renews the lease every TTL/3), waits until /proc shows it
// stopped and the ledger (<state-dir>/ledger.db) holds the fault `active`, waits a random
// 0–1000 ms (so the kill falls anywhere between two renewals), SIGKILLs the run, and polls
// /proc/PID/stat every ~1 ms until the process runs again. Then it reads the fault's ledger
// record: `lease_expires_at` (the expiry the last renewal set), `reverted_at`, `verified_at`,
// `revert_reason`. Reported: kill → running (must be ≤ TTL + 100 ms: the last renewal came
// before the kill, so this is at most TTL + the agent's lateness), and the lateness past the
// recorded expiry: expiry → running (/proc) and expiry → verified (ledger).
//
// Reference, interleaved in the same run: this script SIGSTOPs the same process, sets its own
// setTimeout(TTL), SIGCONTs it when the timer fires and polls /proc the same way: the lateness
// of an ideal in-process dead-man switch (timer granularity, signal, /proc polling).
// Target (DESIGN.md): reverted within TTL + 100 ms.
//
//   npm run build && node bench/lease-expiry.mjs [--runs 20] [--ttl 1000] [--write]
//
// Everything happens in a fresh temp dir (working directory and --state-dir), removed at the end
// with the agent and the sleep, also on a failure.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  cleanup,
  gitRev,
  isStopped,
  killGroup,
  machine,
  makeTempDir,
  median,
  nowMs,
  parseArgs,
  pollUntil,
  round1,
  runCli,
  sleep,
  spawnSleeps,
  startAgent,
  stopAgent,
  today,
  writeExperiment,
  writeResultRow,
} from './support.mjs';

const options = parseArgs({ runs: 20, ttl: 1000 });
const ttl = options.ttl;
const dir = makeTempDir('lease');
const stateDir = join(dir, '.firedrill');
const [pid] = spawnSleeps(1);
const experiment = writeExperiment(
  dir,
  'lease.yaml',
  `title: lease-expiry bench
targets:
  sleeper: { kind: process, selector: { pid: ${pid} } }
method:
  - { name: freeze, fault: process-pause, target: sleeper, duration: 10m }
runtime:
  maxDuration: 5m
`,
);

const killToRunning = [];
const expiryToRunning = [];
const expiryToVerified = [];
const reference = [];
const problems = [];
let agent;
let ledger;
try {
  agent = await startAgent(stateDir);
  ledger = new Database(join(stateDir, 'ledger.db'), { readonly: true, fileMustExist: true });
  const latest = ledger.prepare('SELECT * FROM faults ORDER BY id DESC LIMIT 1');
  let lastId = latest.get()?.id ?? 0;
  for (let i = 0; i < options.runs; i++) {
    let child;
    const run = runCli(['run', experiment, '-q', '--lease-ttl', `${ttl}ms`, '--state-dir', stateDir], {
      cwd: dir,
      timeoutMs: 120_000,
      onSpawn: (c) => (child = c),
    });
    const active = await pollUntil(() => {
      const record = latest.get();
      return isStopped(pid) && record?.id > lastId && record.status === 'active';
    }, 20_000);
    if (active === undefined) throw new Error(`run ${i}: the fault never became active`);
    const record = latest.get();
    lastId = record.id;
    await sleep(Math.random() * ttl);
    killGroup(child.pid, 'SIGKILL');
    const killedAt = nowMs();
    const runningAt = await pollUntil(() => !isStopped(pid), ttl + 10_000);
    if (runningAt === undefined) throw new Error(`run ${i}: still paused ${ttl + 10_000} ms after the controller was killed`);
    await run;
    if ((await pollUntil(() => latest.get()?.verified_at != null, 5000)) === undefined) problems.push(`run ${i}: no verified_at in the ledger`);
    const closed = ledger.prepare('SELECT * FROM faults WHERE id = ?').get(record.id);
    if (closed.status !== 'reverted' || !String(closed.revert_reason).startsWith('lease expired')) {
      problems.push(`run ${i}: record ${closed.status}, reason ${closed.revert_reason}`);
    }
    killToRunning.push(runningAt - killedAt);
    expiryToRunning.push(runningAt - closed.lease_expires_at);
    expiryToVerified.push(closed.verified_at - closed.lease_expires_at);

    // Reference: an ideal dead-man switch in this process.
    process.kill(pid, 'SIGSTOP');
    await pollUntil(() => isStopped(pid), 2000);
    const armedAt = nowMs();
    await new Promise((resolve) => setTimeout(resolve, ttl));
    process.kill(pid, 'SIGCONT');
    const refRunning = await pollUntil(() => !isStopped(pid), 2000);
    reference.push(refRunning - armedAt - ttl);
    if ((i + 1) % 5 === 0) console.error(`lease-expiry: ${i + 1}/${options.runs}, kill → running median ${round1(median(killToRunning))} ms`);
  }
} finally {
  ledger?.close();
  await stopAgent(agent);
  await cleanup(); // the sleep, the temp dir
}

const stats = (values) => ({ median: round1(median(values)), min: round1(Math.min(...values)), max: round1(Math.max(...values)) });
const result = {
  runs: options.runs,
  ttlMs: ttl,
  killToRunningMs: stats(killToRunning),
  latenessPastTtlFromKillMs: stats(killToRunning.map((v) => v - ttl)),
  expiryToRunningMs: stats(expiryToRunning),
  expiryToVerifiedMs: stats(expiryToVerified),
  referenceLatenessMs: stats(reference),
  problems,
};
result.met = result.killToRunningMs.max <= ttl + 100 && problems.length === 0;
console.log(JSON.stringify(result, null, 2));

if (options.write) {
  writeResultRow({
    id: 'lease-expiry',
    heading: 'controller killed → the agent reverts on lease expiry',
    explanation: `
\`node bench/lease-expiry.mjs --runs 20 --write\`: each repetition starts \`firedrill run
--lease-ttl 1s\` pausing one \`sleep\` for 10 m, waits until /proc shows it stopped and the ledger
holds the fault \`active\`, waits a random 0–1 s (anywhere between two renewals, every TTL/3),
SIGKILLs the run and polls /proc/PID/stat every ~1 ms until the process runs again. "kill →
running" must stay within TTL + 100 ms (the last renewal preceded the kill, so it is usually
under the TTL); "expiry → running" and "expiry → verified" are the lateness past the
\`lease_expires_at\` of the ledger record (the agent's timer, SIGCONT, the /proc check, the ledger
write). Reference, interleaved: the script SIGSTOPs the same process, SIGCONTs it from its own
\`setTimeout(TTL)\` and polls /proc the same way: the lateness of an ideal in-process timer.`,
    columns: ['date', 'commit', 'machine', 'runs', 'TTL ms', 'ref: own timer late ms (median)', 'kill → running ms (median / max)', 'expiry → running ms (median / max)', 'expiry → verified ms (median / max)', '≤ TTL + 100 ms'],
    row: [
      today(),
      gitRev(),
      machine(),
      result.runs,
      ttl,
      result.referenceLatenessMs.median,
      `${result.killToRunningMs.median} / ${result.killToRunningMs.max}`,
      `${result.expiryToRunningMs.median} / ${result.expiryToRunningMs.max}`,
      `${result.expiryToVerifiedMs.median} / ${result.expiryToVerifiedMs.max}`,
      result.met ? 'yes' : 'no',
    ],
  });
}
process.exitCode = result.met ? 0 : 1;
