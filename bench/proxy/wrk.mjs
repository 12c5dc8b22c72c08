// 3. HTTP: wrk at 1 and 32 connections through every path against an nginx `return 200`
// server (a Node http server when nginx is missing), with the proxy's CPU time per request.
import { round1, writeResultRow } from '../support.mjs';
import { HOST } from './net.mjs';
import { med, of } from './table.mjs';
import { execBounded } from './tools.mjs';
import { usageOf } from './usage.mjs';

const UNIT_US = { us: 1, ms: 1000, s: 1_000_000 };

/** wrk at 1, then 32 connections through every path, in `order`, into `into`. */
export async function wrkRound(s, round, order, into) {
  for (const connections of [1, 32]) {
    for (const path of order) {
      const pids = s.proxyPids(path);
      const usage = usageOf(pids);
      const r = await runWrk(s.ports[path].http, connections, s.options['wrk-seconds']);
      const cpuMs = usage.cpuMs();
      into.push({ round, path, connections, ...r, cpuUsPerRequest: pids.length ? (cpuMs * 1000) / r.requests : undefined });
      if (r.errors) s.problems.push(`wrk ${path} c${connections}: ${r.errors}`);
    }
  }
}

async function runWrk(port, connections, seconds) {
  const threads = Math.min(2, connections);
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', `http://${HOST}:${port}/`];
  const out = await execBounded('wrk', args, (seconds + 20) * 1000);
  const text = out.stdout;
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(text);
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s)\s*$/m.exec(text);
  const requests = /(\d+) requests in/.exec(text);
  if (!rps || !p99 || !p50 || !requests) throw new Error(`wrk on port ${port}: unexpected output: ${text}${out.stderr}`);
  const errors = [/Socket errors:.*$/m.exec(text)?.[0], /Non-2xx or 3xx responses:.*$/m.exec(text)?.[0]].filter(Boolean).join('; ');
  return {
    rps: Number(rps[1]),
    p50Us: Number(p50[1]) * UNIT_US[p50[2]],
    p99Us: Number(p99[1]) * UNIT_US[p99[2]],
    requests: Number(requests[1]),
    errors,
  };
}

/** Requests/s, p50/p99 µs and the proxy's CPU µs per request, per path and connection count. */
export function summarizeWrk(rows, paths) {
  const http = {};
  for (const path of paths) {
    http[path] = {};
    for (const connections of [1, 32]) {
      const mine = of(rows, { path, connections });
      if (!mine.length) continue;
      http[path][`c${connections}`] = {
        rps: Math.round(med(mine.map((r) => r.rps))),
        p50Us: round1(med(mine.map((r) => r.p50Us))),
        p99Us: round1(med(mine.map((r) => r.p99Us))),
        cpuUsPerRequest: round1(med(mine.map((r) => r.cpuUsPerRequest))),
      };
    }
  }
  return http;
}

/** The wrk row, when wrk ran. */
export function writeWrkRow(http, t) {
  if (!Object.keys(http.direct ?? {}).length) return;
  const { options, cells, names, hasNginx } = t;
  const perPath = (fn) => [fn('direct'), ...cells(fn)].join(' / ');
  writeResultRow({
    ...t.common,
    table: 'wrk — requests/s and p99 (µs), `-t1 -c1` and `-t2 -c32`',
    columns: [
      'date',
      'commit',
      'machine',
      'upstream',
      'rounds × s',
      `c1 req/s: direct / ${names((name) => name).join(' / ')}`,
      'c1 p99 µs',
      `c32 req/s: direct / ${names((name) => name).join(' / ')}`,
      'c32 p99 µs',
      `proxy CPU µs per request (c32): ${names((name) => name).join(' / ')}`,
    ],
    row: [
      ...t.start,
      hasNginx ? 'nginx `return 200`' : 'Node http',
      `${options.rounds} × ${options['wrk-seconds']}`,
      perPath((p) => http[p].c1.rps),
      perPath((p) => http[p].c1.p99Us),
      perPath((p) => http[p].c32.rps),
      perPath((p) => http[p].c32.p99Us),
      cells((p) => http[p].c32.cpuUsPerRequest).join(' / '),
    ],
  });
}
