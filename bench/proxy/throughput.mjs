// 2. throughput: bulk transfer through each path for a few seconds each way — iperf3 (-R for
// down), or the Node harness of roles/bulk.mjs without it — with the CPU time and the minor page
// faults of the proxy's processes per GB moved.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isGone, pollUntil, round1, round2, sleep, track, writeResultRow } from '../support.mjs';
import { startHelper } from './helper-process.mjs';
import { HOST } from './net.mjs';
import { usageOf } from './usage.mjs';
import { both, med, of } from './table.mjs';
import { execBounded } from './tools.mjs';

/** One bulk transfer up and one down through every path, in `order`, into `into`. */
export async function throughputRound(s, round, order, into) {
  const seconds = s.options['bulk-seconds'];
  for (const direction of ['up', 'down']) {
    for (const path of order) {
      const pids = s.proxyPids(path);
      const usage = usageOf(pids);
      const port = s.ports[path].bulk;
      const r = s.tools.iperf3 ? await runIperf(port, direction, seconds) : await runNodeBulk(s.dir, port, direction, seconds);
      const cpuMs = usage.cpuMs();
      const faults = usage.minorFaults();
      const gb = r.bytes / 1e9;
      into.push({
        round,
        path,
        direction,
        ...r,
        cpuMsPerGB: pids.length ? cpuMs / gb : undefined,
        minorFaultsPerGB: pids.length ? faults / gb : undefined,
      });
      if (r.error) s.problems.push(`bulk ${path} ${direction}: ${r.error}`);
    }
  }
}

/** One iperf3 test; again (up to 4 times, 1 s apart) while the server still winds down the last one. */
async function runIperf(port, direction, seconds) {
  for (let attempt = 1; ; attempt++) {
    const result = await runIperfOnce(port, direction, seconds);
    if (!/busy/i.test(result.error ?? '') || attempt >= 4) return result;
    await sleep(1000);
  }
}

async function runIperfOnce(port, direction, seconds) {
  const args = ['-c', HOST, '-p', String(port), '-t', String(seconds), '-J', ...(direction === 'down' ? ['-R'] : [])];
  const out = await execBounded('iperf3', args, (seconds + 20) * 1000);
  let json;
  try {
    json = JSON.parse(out.stdout);
  } catch {
    return { bitsPerSecond: NaN, bytes: NaN, error: `iperf3 said: ${(out.stdout + out.stderr).slice(0, 300)}` };
  }
  if (json.error) return { bitsPerSecond: NaN, bytes: NaN, error: json.error };
  const received = json.end.sum_received;
  return { bitsPerSecond: received.bits_per_second, bytes: received.bytes };
}

async function runNodeBulk(dir, port, direction, seconds) {
  const child = await startHelper(dir, 'bulk-client', [String(port), direction === 'up' ? 'U' : 'D', String(seconds)], {
    waitReady: false,
  });
  const out = await child.finished((seconds + 20) * 1000);
  if (out.code !== 0) return { bitsPerSecond: NaN, bytes: NaN, error: out.stderr.trim() || `exit ${out.code ?? out.signal}` };
  return JSON.parse(out.stdout.trim());
}

/** `iperf3 -s` on `port`, its own process group; resolves once it listens. */
export async function startIperfServer(port) {
  const child = spawn('iperf3', ['-s', '-B', HOST, '-p', String(port)], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child.pid, { group: true });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (out += chunk));
  // Not by connecting (iperf3 would take it for a test): the kernel's table of listening sockets.
  const listening = await pollUntil(() => isListening(port) || isGone(child.pid), 5000, 5);
  if (listening === undefined || !isListening(port)) throw new Error(`iperf3 -s did not start: ${out}`);
  return { pid: child.pid };
}

/** A TCP socket in LISTEN on 127.0.0.1:port (/proc/net/tcp: local address, state 0A). */
function isListening(port) {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'latin1')
    .split('\n')
    .some((line) => {
      const fields = line.trim().split(/\s+/);
      return fields[1] === local && fields[3] === '0A';
    });
}

/** Gbit/s each way per path (medians across rounds), with the proxy's cost per GB. */
export function summarizeThroughput(rows, paths) {
  const bulk = {};
  for (const path of paths) {
    bulk[path] = {};
    for (const direction of ['up', 'down']) {
      const mine = of(rows, { path, direction });
      bulk[path][direction] = {
        gbps: round2(med(mine.map((r) => r.bitsPerSecond)) / 1e9),
        cpuMsPerGB: round1(med(mine.map((r) => r.cpuMsPerGB))),
        minorFaultsPerGB: Math.round(med(mine.map((r) => r.minorFaultsPerGB))),
      };
    }
  }
  return bulk;
}

export function writeThroughputRow(bulk, t) {
  const { options, cells, names, hasNginx } = t;
  writeResultRow({
    ...t.common,
    table: 'throughput — Gbit/s, up = client → server, down = server → client (-R)',
    columns: [
      'date',
      'commit',
      'machine',
      'tool',
      'rounds × s',
      'direct up / down',
      ...names((name) => `${name} up / down`),
      'Firedrill ÷ nginx up / down',
      `proxy CPU ms per GB up: ${names((name) => name).join(' / ')}`,
      `proxy minor page faults per GB up: ${names((name) => name).join(' / ')}`,
    ],
    row: [
      ...t.start,
      t.tools.iperf3 ? t.tools.versions.iperf3.split(' (')[0] : 'Node harness',
      `${options.rounds} × ${options['bulk-seconds']}`,
      both(bulk.direct.up.gbps, bulk.direct.down.gbps),
      ...cells((p) => both(bulk[p].up.gbps, bulk[p].down.gbps)),
      hasNginx
        ? both(`${round2(bulk.firedrill.up.gbps / bulk.nginx.up.gbps)}×`, `${round2(bulk.firedrill.down.gbps / bulk.nginx.down.gbps)}×`)
        : '–',
      cells((p) => Math.round(bulk[p].up.cpuMsPerGB)).join(' / '),
      cells((p) => bulk[p].up.minorFaultsPerGB).join(' / '),
    ],
  });
}
