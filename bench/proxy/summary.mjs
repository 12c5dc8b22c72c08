// The proxy bench's result: every measurement summarized (medians across rounds), the targets
// met or not, and its rows in RESULTS.md — one table per measurement.
import { machine, mib } from '../support.mjs';
import { summarizeInject, writeInjectRow } from './inject.mjs';
import { summarizeLatency, writeLatencyRows } from './latency.mjs';
import { rssWithin64MB, summarizeRss, writeRssRow } from './rss.mjs';
import { tableKit } from './table.mjs';
import { summarizeThroughput, writeThroughputRow } from './throughput.mjs';
import { summarizeWrk, writeWrkRow } from './wrk.mjs';

/** The paths the rounds measured. */
const measuredPaths = (results) => [...new Set(results.latency.map((r) => r.path))];

export function summarize(results, { options, notes, problems, tools }) {
  const paths = measuredPaths(results);
  const latency = summarizeLatency(results.latency, paths);
  const rss = summarizeRss(results.rss);
  const inject = summarizeInject(results.inject);
  const met = {
    addedLatencyUnder100us: latency.any.firedrill.addedP50 < 100,
    rssWithin64MB: rssWithin64MB(rss),
    // DESIGN.md says "≤ 5 ms"; held to the median of the upper bound, the p95 reported beside it.
    injectWithin5ms: inject.activeMs.p50 <= 5,
    injectP95Within5ms: inject.activeMs.p95 <= 5,
  };
  return {
    machine: machine(),
    versions: tools.versions,
    rounds: options.rounds,
    notes,
    latencyUs: latency,
    throughputGbps: summarizeThroughput(results.bulk, paths),
    wrk: summarizeWrk(results.wrk, paths),
    rssMiB: rss,
    agentRssMiB: { bare: mib(results.agentRssBareKiB), afterEverything: mib(results.agentRssAfterKiB) },
    inject,
    met,
    problems,
  };
}

export const passed = ({ met, problems }) =>
  met.addedLatencyUnder100us && met.rssWithin64MB && met.injectWithin5ms && problems.length === 0;

/** The rows of this run under the tables of the proxy section (or in --results FILE). */
export function write(summary, s) {
  const t = tableKit(s, s.paths);
  writeLatencyRows(summary.latencyUs, t);
  writeThroughputRow(summary.throughputGbps, t);
  writeWrkRow(summary.wrk, t);
  writeRssRow(summary.rssMiB, summary.agentRssMiB, summary.met, t);
  writeInjectRow(summary.inject, summary.met, t);
}
