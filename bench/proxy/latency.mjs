// 1. latency: 64-byte request/response, N sequential round trips on one connection after a
// warm-up (roles/rtt.mjs); client, proxy and echo server are three processes. p50/p99 per path;
// "added" = path − direct, paired within a round. Twice per round: as the scheduler places the
// processes, and all three on one CPU (taskset), which takes the VM's cross-CPU wake-ups out and
// leaves the proxy's own work per round trip.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { round1, writeResultRow } from '../support.mjs';
import { startHelper } from './helper-process.mjs';
import { both, med, of } from './table.mjs';
import { have, skipped } from './tools.mjs';

/** The CPU the one-CPU latency runs on (the first this process may use); undefined without taskset. */
export function oneCpuFor(notes) {
  if (!have('taskset')) return skipped(notes, 'taskset', 'missing: no one-CPU latency');
  const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'latin1'))?.[1] ?? '0';
  return Number(list.split(/[,-]/)[0]);
}

/** The round trips through every path, in `order`, as scheduled and then on `oneCpu`, into `into`. */
export async function latencyRound(s, round, order, oneCpu, into) {
  for (const path of order) {
    const r = await runRtt(s, s.ports[path].echo);
    into.push({ round, path, cpus: 'any', ...r });
  }
  if (oneCpu === undefined) return;
  // The same on one CPU (client, proxy and echo server): no cross-CPU wake-ups, the proxy's own
  // work per round trip.
  const moved = [s.echo.pid, ...s.paths.flatMap((p) => s.rssPids(p))];
  const restore = pinAll(moved, String(oneCpu));
  try {
    for (const path of order) {
      const r = await runRtt(s, s.ports[path].echo, oneCpu);
      into.push({ round, path, cpus: 'one', ...r });
    }
  } finally {
    restore();
  }
}

async function runRtt({ dir, options }, port, cpu) {
  const child = await startHelper(dir, 'rtt', [port, options.size, options.warmup, options.rtts].map(String), { waitReady: false, cpu });
  const timeoutMs = 20_000 + options.rtts * 2; // a 2 ms round trip is already 10× too slow
  const out = await child.finished(timeoutMs);
  if (out.code !== 0) throw new Error(`rtt client on port ${port} failed (${out.code ?? out.signal}): ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split('\n').pop());
}

/** Moves every thread of `pids` to `cpus` (taskset -a); returns the undo. */
function pinAll(pids, cpus) {
  const before = pids.map((pid) => [pid, /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1]]);
  for (const pid of pids) execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
  return () => {
    for (const [pid, list] of before) {
      try {
        execFileSync('taskset', ['-a', '-p', '-c', list, String(pid)], { stdio: 'ignore' });
      } catch {
        // gone
      }
    }
  };
}

/** Per CPU placement and path: medians across rounds; "added" paired with direct in the same round. */
export function summarizeLatency(rows, paths) {
  const latency = {};
  for (const cpus of [...new Set(rows.map((r) => r.cpus))]) {
    latency[cpus] = {};
    for (const path of paths) {
      const mine = of(rows, { path, cpus });
      const added = (key) => med(mine.map((r) => r[key] - of(rows, { path: 'direct', round: r.round, cpus })[0][key]));
      latency[cpus][path] = {
        p50: round1(med(mine.map((r) => r.p50))),
        p99: round1(med(mine.map((r) => r.p99))),
        p999: round1(med(mine.map((r) => r.p999))),
        addedP50: round1(added('p50')),
        addedP99: round1(added('p99')),
      };
    }
  }
  return latency;
}

export function writeLatencyRows(latency, t) {
  const { options, cells, names, hasNginx } = t;
  for (const [cpus, table] of Object.entries(latency)) {
    writeResultRow({
      ...t.common,
      table: 'latency — 64-byte round trips on one connection, µs',
      columns: [
        'date',
        'commit',
        'machine',
        'rounds × round trips',
        'CPUs',
        'direct p50 / p99',
        ...names((name) => `${name} p50 / p99`),
        ...names((name) => `${name} added p50 / p99`),
        'Firedrill added ÷ nginx added (p50)',
        'added p50 < 100 µs (Toxiproxy)',
      ],
      row: [
        ...t.start,
        `${options.rounds} × ${options.rtts}`,
        cpus === 'any' ? 'any (as scheduled)' : 'one (taskset)',
        both(table.direct.p50, table.direct.p99),
        ...cells((p) => both(table[p].p50, table[p].p99)),
        ...cells((p) => both(table[p].addedP50, table[p].addedP99)),
        hasNginx ? `${round1(table.firedrill.addedP50 / table.nginx.addedP50)}×` : '–',
        table.firedrill.addedP50 < 100 ? 'yes' : 'no',
      ],
    });
  }
}
