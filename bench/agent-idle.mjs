// Agent idle footprint: resident memory and CPU of `firedrill agent` with no work at all.
//
// Starts `node bin/firedrill.js agent --listen 127.0.0.1:0` on a fresh state dir (default
// settings: orphan sweep every 30 s, no idle exit) and, as the reference in the same run, a bare
// `node -e "setInterval(() => {}, 1000)"`. Once the agent answers, both are sampled every second
// for the window: RSS from /proc/PID/status (VmRSS) and CPU time from /proc/PID/stat (utime +
// stime). Reported: RSS median and max, and CPU % of one core over the whole window (CPU time
// used in the window / wall time of the window), for both. Nothing talks to the agent during the
// window (its start-up, crash recovery and first sweep are before it). Since issue 9 the agent is
// two processes, its supervisor and its worker: the agent's figures are their sum (the
// supervisor's alone are in the JSON). Aim (issue 3, for one process): under 60 MB and 1 % CPU.
//
//   npm run build && node bench/agent-idle.mjs [--seconds 60] [--write]
//
// The agent, the reference process and the temp dir are removed at the end, also on a failure.
import { runScenario } from './scenario.mjs';
import { clockTicks, median, nowMs, procCpuTicks, procRssKiB, round1, round2, sleep, spawnTracked, workerPid } from './support.mjs';

const ticksPerSecond = clockTicks();

/** Summed over `pids`: the agent is its supervisor and its worker. */
function sample(...pids) {
  const sum = (read) => pids.reduce((total, pid) => total + read(pid), 0);
  return { at: nowMs(), rssKiB: sum(procRssKiB), ticks: sum(procCpuTicks) };
}

function footprint(samples) {
  const first = samples[0];
  const last = samples.at(-1);
  const cpuSeconds = (last.ticks - first.ticks) / ticksPerSecond;
  const wallSeconds = (last.at - first.at) / 1000;
  const rss = samples.map((s) => s.rssKiB / 1024);
  return {
    rssMedianMiB: round1(median(rss)),
    rssMaxMiB: round1(Math.max(...rss)),
    cpuPercent: round2((cpuSeconds / wallSeconds) * 100),
    cpuSeconds: round2(cpuSeconds),
  };
}

/** Both processes sampled every second for the window, once the agent's start-up settled. */
async function measure({ options, agent, bare, stateDir }) {
  await sleep(1000); // let start-up work (recovery, first sweep, JIT) settle out of the window
  const agentSamples = [];
  const supervisorSamples = [];
  const bareSamples = [];
  const started = nowMs();
  for (let s = 0; s <= options.seconds; s++) {
    if (agent.exited) throw new Error(`the agent exited during the window: ${JSON.stringify(agent.exited)}`);
    const worker = workerPid(stateDir);
    agentSamples.push(sample(agent.pid, ...(worker && worker !== agent.pid ? [worker] : [])));
    supervisorSamples.push(sample(agent.pid));
    bareSamples.push(sample(bare));
    const next = started + (s + 1) * 1000;
    await sleep(Math.max(0, next - nowMs()));
  }
  return { agent: footprint(agentSamples), supervisor: footprint(supervisorSamples), bareNode: footprint(bareSamples) };
}

function summarize(footprints, { options }) {
  const result = { seconds: options.seconds, clockTicks: ticksPerSecond, ...footprints };
  result.rssRatio = round1(result.agent.rssMedianMiB / result.bareNode.rssMedianMiB);
  // The aim says 60 MB: 60 × 10^6 bytes is 57.2 MiB.
  result.agent.rssMaxMB = round1((result.agent.rssMaxMiB * 1024 * 1024) / 1e6);
  result.met = result.agent.rssMaxMB < 60 && result.agent.cpuPercent < 1;
  return result;
}

const results = {
  id: 'agent-idle',
  heading: 'footprint of an idle agent',
  explanation: `
\`node bench/agent-idle.mjs --seconds 60 --write\`: \`firedrill agent\` with default settings
(orphan sweep every 30 s, no idle exit) and nothing to do, sampled every second for the window
after its start-up settled; RSS from /proc/PID/status (VmRSS), CPU from /proc/PID/stat (utime +
stime) as a percentage of one core over the window. Reference in the same run, sampled the same
way: a bare \`node -e "setInterval(() => {}, 1000)"\`. From 2026-12-06 the agent is its supervisor and
its worker (two Node processes, so that a worker's death is recovered at once and never cuts a
proxied link): the figures are their sum. Aim (issue 3, set for one process): under 60 MB
(57.2 MiB) and 1 % CPU.`,
  columns: [
    'date',
    'commit',
    'machine',
    'seconds',
    'bare node RSS MiB (ref)',
    'agent RSS MiB (median / max)',
    'ratio',
    'bare node CPU %',
    'agent CPU %',
    '< 60 MB, < 1 %',
  ],
  cells: ({ agent, bareNode, ...result }) => [
    result.seconds,
    bareNode.rssMedianMiB,
    `${agent.rssMedianMiB} / ${agent.rssMaxMiB} (${agent.rssMaxMB} MB)`,
    `${result.rssRatio}×`,
    bareNode.cpuPercent,
    agent.cpuPercent,
    result.met ? 'yes' : 'no',
  ],
};

await runScenario({
  name: 'idle',
  defaults: { seconds: 60 },
  // The reference, started before the agent as it always was.
  prepare: (s) => (s.bare = spawnTracked(process.execPath, ['-e', 'setInterval(() => {}, 1000)'])),
  measure,
  summarize,
  results,
});
