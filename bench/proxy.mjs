// Fault proxy: what the Firedrill proxy (no fault) adds to a TCP link, side by side with nginx's
// `stream` proxy in the same run, and how fast a toxic reaches a connection that is already open.
//
// Four paths (proxy/paths.mjs): direct, through the agent's fault proxy (no toxic), through
// nginx `stream` (1 worker), and through a bare Node `net` proxy — the floor of any proxy
// written in Node, to tell Node's cost from Firedrill's. Measured INTERLEAVED (round-robin over
// the paths, their order rotated every round, medians across rounds), one file per measurement:
//   1. latency (proxy/latency.mjs): 64-byte round trips on one connection, p50/p99 and the
//      added µs per path, as scheduled and with client, proxy and echo server on one CPU;
//   2. throughput (proxy/throughput.mjs): iperf3 each way (a Node harness without it), with the
//      proxy's CPU time and minor page faults per GB moved;
//   3. HTTP (proxy/wrk.mjs): wrk at 1 and 32 connections against an nginx `return 200` server
//      (a Node http server without nginx), with the proxy's CPU time per request;
// and, apart from the rounds:
//   4. RSS (proxy/rss.mjs): each proxy idle, then with 1,000 idle connections through it; on
//      the fresh agent before the rounds, and again after them;
//   5. inject latency (proxy/inject.mjs): call → a 50 ms `proxy-latency` toxic active on an open
//      connection doing ping-pong, and how long that connection stalls while the agent serves a
//      call (reference: GET /v1/status).
// The helper processes (echo server, node pipe, clients) are proxy/roles/; the summary and the
// rows of RESULTS.md, proxy/summary.mjs.
//
//   npm run build && node bench/proxy.mjs [--rounds 5] [--rtts 20000] [--write]
//     [--bulk-seconds 3] [--wrk-seconds 5] [--connections 1000] [--injects 20]
//     [--skip nginx,iperf3,wrk] [--no-install] [--results FILE]
//
// nginx (with its stream module), iperf3 and wrk come from Debian: installed with apt-get when
// missing (root only, services kept from starting), otherwise that column or table is skipped
// with a note (proxy/tools.mjs). Everything runs on 127.0.0.1, in a fresh temp dir (state dir,
// nginx prefixes); the agent, nginx, iperf3, wrk, the helper processes and the temp dir are
// removed at the end, also on a failure.
import { measureInject } from './proxy/inject.mjs';
import { latencyRound, oneCpuFor } from './proxy/latency.mjs';
import { openPaths, startUpstreams } from './proxy/paths.mjs';
import { measureRss } from './proxy/rss.mjs';
import { passed, summarize, write } from './proxy/summary.mjs';
import { throughputRound } from './proxy/throughput.mjs';
import { findTools } from './proxy/tools.mjs';
import { wrkRound } from './proxy/wrk.mjs';
import { runScenario } from './scenario.mjs';
import { agentLogErrors, machine, procRssKiB, round1 } from './support.mjs';

/** Before the agent: the tools this run has, then the upstreams. */
async function prepare(s) {
  s.notes = [];
  s.problems = [];
  s.stops = []; // what teardown stops, last started first
  s.tools = findTools(s.options, s.notes);
  const { versions } = s.tools;
  console.error(
    `proxy bench: ${machine()}, kernel ${versions.kernel}; ${[versions.nginx, versions.iperf3, versions.wrk].filter(Boolean).join(', ')}`,
  );
  for (const note of s.notes) console.error(`note: ${note}`);
  await startUpstreams(s);
}

async function measure(s) {
  const { options, agent } = s;
  const results = { latency: [], bulk: [], wrk: [], rss: [], inject: undefined, agentRssBareKiB: procRssKiB(agent.pid) };
  await openPaths(s);
  const oneCpu = oneCpuFor(s.notes);
  await measureRss(s, 'fresh', results.rss);
  for (let round = 0; round < options.rounds; round++) {
    const order = s.paths.map((_, i) => s.paths[(i + round) % s.paths.length]);
    await latencyRound(s, round, order, oneCpu, results.latency);
    await throughputRound(s, round, order, results.bulk);
    if (s.tools.wrk) await wrkRound(s, round, order, results.wrk);
    const line = s.paths
      .map(
        (p) =>
          `${p} ${results.latency
            .filter((r) => r.round === round && r.path === p)
            .map((r) => round1(r.p50))
            .join(' / ')}`,
      )
      .join(', ');
    console.error(`round ${round + 1}/${options.rounds}: latency p50 µs (any CPU / one CPU) ${line}`);
  }
  await measureRss(s, 'after rounds', results.rss);
  results.inject = await measureInject(s);
  results.agentRssAfterKiB = procRssKiB(agent.pid);
  const errors = agentLogErrors(s.stateDir);
  if (errors.count) s.problems.push(`agent log: ${errors.count} error lines: ${errors.messages.join('; ')}`);
  return results;
}

await runScenario({
  name: 'proxy',
  defaults: {
    rounds: 5,
    rtts: 20_000,
    warmup: 2000,
    size: 64,
    'bulk-seconds': 3,
    'wrk-seconds': 5,
    connections: 1000,
    injects: 20,
    'inject-latency': 50,
    'ping-gap-us': 200,
    skip: '',
    results: '', // another file than bench/RESULTS.md for --write (a dry run)
  },
  prepare,
  measure,
  async teardown(s) {
    for (const stop of (s.stops ?? []).reverse()) await stop();
  },
  summarize,
  write,
  passed,
});
