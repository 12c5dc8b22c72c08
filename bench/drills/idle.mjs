// CPU of idle servers from /proc/PID/stat (utime + stime of every process of each server's
// group), sampled at the same instants for all of them: the one holding the drills and its
// reference with none run side by side, through the same windows of the same machine's noise.
import { clockTicks, groupPids, nowMs, procCpuTicks, procRssKiB, mib, round1, round2, sleep } from '../support.mjs';

const ticksPerSecond = clockTicks();

function cpuTicks(pgid) {
  let total = 0;
  for (const pid of groupPids(pgid)) {
    try {
      total += procCpuTicks(pid);
    } catch {
      // gone between the listing and the read
    }
  }
  return total;
}

/**
 * Waits until the server's start-up work (boot, the scheduler's first planning pass) is over, at
 * least `minMs` after it was spawned: its share of a core over 2 s is under `quiet`, or steady
 * (two 2 s samples within 5 points, or a quarter, of each other: a server busy all the time
 * never gets quiet). Its CPU seconds since the spawn then, how long that took, and the share.
 */
export async function settle(server, { minMs = 6000, maxMs = 120_000, quiet = 0.02 } = {}) {
  let previous;
  for (;;) {
    const before = cpuTicks(server.pid);
    const at = nowMs();
    await sleep(2000);
    const share = (cpuTicks(server.pid) - before) / ticksPerSecond / ((nowMs() - at) / 1000);
    const elapsed = nowMs() - server.startedAt;
    const steady = previous !== undefined && Math.abs(share - previous) < Math.max(0.05, share / 4);
    previous = share;
    if (((share < quiet || steady) && elapsed >= minMs) || elapsed > maxMs) {
      return {
        cpuSeconds: round2(cpuTicks(server.pid) / ticksPerSecond),
        seconds: round1(elapsed / 1000),
        lastSharePercent: round1(share * 100),
        settled: elapsed <= maxMs,
      };
    }
  }
}

/**
 * `windows` windows of `seconds` / `windows` each; per server (by name) its CPU % of one core
 * over the whole time and per window, and its RSS at the end.
 */
export async function measureIdleCpu(servers, { seconds, windows }) {
  const names = Object.keys(servers);
  const take = () => ({ at: nowMs(), ticks: Object.fromEntries(names.map((n) => [n, cpuTicks(servers[n].pid)])) });
  const samples = [take()];
  const step = (seconds * 1000) / windows;
  for (let w = 1; w <= windows; w++) {
    await sleep(Math.max(0, samples[0].at + w * step - nowMs()));
    samples.push(take());
  }
  const percent = (a, b, name) => round2(((b.ticks[name] - a.ticks[name]) / ticksPerSecond / ((b.at - a.at) / 1000)) * 100);
  return Object.fromEntries(
    names.map((name) => [
      name,
      {
        cpuPercent: percent(samples[0], samples.at(-1), name),
        windows: samples.slice(1).map((s, i) => percent(samples[i], s, name)),
        rssMiB: mib(procRssKiB(servers[name].pid)),
      },
    ]),
  );
}
