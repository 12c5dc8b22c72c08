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
import { runScenario } from './scenario.mjs';
import { isStopped, killGroup, median, nowMs, pollUntil, round1, sleep } from './support.mjs';

/** One controller killed while it holds the pause: kill → running, and the ledger's record. */
async function killTheController({ options, pids: [pid], run }, latest, lastId, i) {
  let child;
  const ran = run(['-q', '--lease-ttl', `${options.ttl}ms`], { timeoutMs: 120_000, onSpawn: (c) => (child = c) });
  const active = await pollUntil(() => {
    const record = latest.get();
    return isStopped(pid) && record?.id > lastId && record.status === 'active';
  }, 20_000);
  if (active === undefined) throw new Error(`run ${i}: the fault never became active`);
  const record = latest.get();
  await sleep(Math.random() * options.ttl);
  killGroup(child.pid, 'SIGKILL');
  const killedAt = nowMs();
  const runningAt = await pollUntil(() => !isStopped(pid), options.ttl + 10_000);
  if (runningAt === undefined) throw new Error(`run ${i}: still paused ${options.ttl + 10_000} ms after the controller was killed`);
  await ran;
  return { id: record.id, killedAt, runningAt };
}

/** The reference: an ideal dead-man switch in this process; how late its SIGCONT lands. */
async function ownTimerLateness(pid, ttl) {
  process.kill(pid, 'SIGSTOP');
  await pollUntil(() => isStopped(pid), 2000);
  const armedAt = nowMs();
  await new Promise((resolve) => setTimeout(resolve, ttl));
  process.kill(pid, 'SIGCONT');
  const running = await pollUntil(() => !isStopped(pid), 2000);
  return running - armedAt - ttl;
}

async function measure(s) {
  const { options, pids, stateDir } = s;
  const m = { killToRunning: [], expiryToRunning: [], expiryToVerified: [], reference: [], problems: [] };
  s.ledger = new Database(join(stateDir, 'ledger.db'), { readonly: true, fileMustExist: true });
  const latest = s.ledger.prepare('SELECT * FROM faults ORDER BY id DESC LIMIT 1');
  let lastId = latest.get()?.id ?? 0;
  for (let i = 0; i < options.runs; i++) {
    const { id, killedAt, runningAt } = await killTheController(s, latest, lastId, i);
    lastId = id;
    if ((await pollUntil(() => latest.get()?.verified_at != null, 5000)) === undefined)
      m.problems.push(`run ${i}: no verified_at in the ledger`);
    const closed = s.ledger.prepare('SELECT * FROM faults WHERE id = ?').get(id);
    if (closed.status !== 'reverted' || !String(closed.revert_reason).startsWith('lease expired')) {
      m.problems.push(`run ${i}: record ${closed.status}, reason ${closed.revert_reason}`);
    }
    m.killToRunning.push(runningAt - killedAt);
    m.expiryToRunning.push(runningAt - closed.lease_expires_at);
    m.expiryToVerified.push(closed.verified_at - closed.lease_expires_at);
    m.reference.push(await ownTimerLateness(pids[0], options.ttl));
    if ((i + 1) % 5 === 0)
      console.error(`lease-expiry: ${i + 1}/${options.runs}, kill → running median ${round1(median(m.killToRunning))} ms`);
  }
  return m;
}

const stats = (values) => ({ median: round1(median(values)), min: round1(Math.min(...values)), max: round1(Math.max(...values)) });

function summarize(m, { options: { runs, ttl } }) {
  const result = {
    runs,
    ttlMs: ttl,
    killToRunningMs: stats(m.killToRunning),
    latenessPastTtlFromKillMs: stats(m.killToRunning.map((v) => v - ttl)),
    expiryToRunningMs: stats(m.expiryToRunning),
    expiryToVerifiedMs: stats(m.expiryToVerified),
    referenceLatenessMs: stats(m.reference),
    problems: m.problems,
  };
  result.met = result.killToRunningMs.max <= ttl + 100 && m.problems.length === 0;
  return result;
}

const results = {
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
  columns: [
    'date',
    'commit',
    'machine',
    'runs',
    'TTL ms',
    'ref: own timer late ms (median)',
    'kill → running ms (median / max)',
    'expiry → running ms (median / max)',
    'expiry → verified ms (median / max)',
    '≤ TTL + 100 ms',
  ],
  cells: (result) => [
    result.runs,
    result.ttlMs,
    result.referenceLatenessMs.median,
    ...[result.killToRunningMs, result.expiryToRunningMs, result.expiryToVerifiedMs].map((stat) => `${stat.median} / ${stat.max}`),
    result.met ? 'yes' : 'no',
  ],
};

await runScenario({
  name: 'lease',
  defaults: { runs: 20, ttl: 1000 },
  sleepers: () => 1,
  experiment: ({ pids: [pid] }) => `title: lease-expiry bench
targets:
  sleeper: { kind: process, selector: { pid: ${pid} } }
method:
  - { name: freeze, fault: process-pause, target: sleeper, duration: 10m }
runtime:
  maxDuration: 5m
`,
  measure,
  teardown: (s) => s.ledger?.close(),
  summarize,
  results,
});
