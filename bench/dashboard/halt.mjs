// Halt from the dashboard → every fault reverted and the banner in a second browser.
//
// Each try: 10 fresh `sleep 600`, one run through the server holding all 10 paused (10 parallel
// process-pause faults, 60 s), /proc showing all 10 in state T; page A (a facilitator) on the
// run's live view, page B (a responder) on the runs list. Through the UI: Halt, the dialog's
// reason, "Halt everything"; value = max(B shows the banner, /proc shows all 10 running) − the
// click. Reference (interleaved, same setup): POST /api/v1/halt with a token; value = /proc
// shows all 10 running − the request sent. Then resume, the run's end, the sleepers killed.
/* global window */
import { isStopped, killHard, nowMs, percentile, pollUntil, round1, spawnSleeps, untrack } from '../support.mjs';
import { call, runEnded } from './control-plane.mjs';

const FAULTS = 10;

/** Targets p0…p9, one per pid, and one step of 10 parallel process-pause faults. */
export function haltExperiment(pids) {
  const targets = pids.map((pid, i) => `  p${i}: { kind: process, selector: { pid: ${pid} } }`).join('\n');
  const faults = pids.map((_, i) => `      - { name: pause${i}, fault: process-pause, target: p${i}, duration: 60s }`).join('\n');
  return `title: bench halt (${pids.length} paused)\ntags: [bench]\ntargets:\n${targets}\nmethod:\n  - name: pause\n    parallel:\n${faults}\n`;
}

/** 10 sleepers paused by a run of the server: { pids, runId }. */
async function pausedRun(server) {
  const pids = spawnSleeps(FAULTS, 600);
  const { run } = await call(server, 'POST', '/runs', { yaml: haltExperiment(pids) });
  if ((await pollUntil(() => pids.every(isStopped), 30_000, 2)) === undefined) {
    // Say what became of the run: its state, verdict and reason.
    const { run: now } = await call(server, 'GET', `/runs/${run.id}`);
    throw new Error(
      `run ${run.id}: the ${FAULTS} processes were never all paused (${pids.filter(isStopped).length} are); ` +
        `the run: ${now.state} ${now.verdict ?? ''} ${now.reason ?? ''}`,
    );
  }
  return { pids, runId: run.id };
}

/** Resume, wait for the run's end, kill the sleepers; the run's verdict. */
async function settle(server, { pids, runId }) {
  await call(server, 'POST', '/resume', {});
  const run = await runEnded(server, runId);
  for (const pid of pids) {
    killHard(pid);
    untrack(pid);
  }
  return run.verdict;
}

/** /proc polled every 2 ms until none of `pids` is stopped: the epoch ms it held at (undefined after 10 s). */
const allRunning = (pids) => pollUntil(() => !pids.some(isStopped), 10_000, 2);

async function throughUi(server, a, b, paused) {
  await a.page.goto(`${server.url}/runs/${paused.runId}`);
  await a.page.locator('.fault.active').first().waitFor();
  await b.page.getByTestId('halt-banner').waitFor({ state: 'detached', timeout: 10_000 });
  await a.page.getByRole('button', { name: 'Halt' }).click();
  const dialog = a.page.getByRole('dialog', { name: 'Halt everything?' });
  await dialog.getByLabel('Reason').fill('dashboard bench');
  await Promise.all([a.page.evaluate(() => window.firedrillBench.arm()), b.page.evaluate(() => window.firedrillBench.arm())]);
  const running = allRunning(paused.pids);
  const issued = nowMs();
  await dialog.getByRole('button', { name: 'Halt everything' }).click();
  const clickAt = await a.page.evaluate(() => window.firedrillBench.clickAt);
  await b.page.waitForFunction(() => window.firedrillBench.bannerAt !== undefined, undefined, { timeout: 10_000, polling: 20 });
  const bannerAt = await b.page.evaluate(() => window.firedrillBench.bannerAt);
  const runningAt = await running;
  if (clickAt === undefined) throw new Error('page A saw no click on "Halt everything"');
  if (runningAt === undefined) throw new Error(`${paused.pids.filter(isStopped).length} processes still stopped 10 s after the halt`);
  return {
    total: Math.max(bannerAt, runningAt) - clickAt,
    banner: bannerAt - clickAt,
    processes: runningAt - clickAt,
    clickLag: clickAt - issued,
  };
}

async function throughApi(server, a, paused) {
  await a.page.goto(`${server.url}/runs/${paused.runId}`); // the same pages open as in a UI try
  await a.page.locator('.fault.active').first().waitFor();
  const running = allRunning(paused.pids);
  const sent = nowMs();
  await call(server, 'POST', '/halt', { reason: 'dashboard bench (API)' });
  const answered = nowMs();
  const runningAt = await running;
  if (runningAt === undefined) throw new Error(`${paused.pids.filter(isStopped).length} processes still stopped 10 s after the halt`);
  return { total: runningAt - sent, answer: answered - sent };
}

/** Nearest rank: of 20 tries, p99 is the slowest. */
const stats = (values) => ({ p50: round1(percentile(values, 50)), p99: round1(percentile(values, 99)) });

/** `tries` halts through the UI and as many through the API, alternating. */
export async function measureHalt(server, pages, tries) {
  const { a, b } = pages;
  const ui = [];
  const api = [];
  const verdicts = new Map();
  for (let i = 0; i < tries * 2; i++) {
    const via = i % 2 === 0 ? 'ui' : 'api';
    const paused = await pausedRun(server);
    const got = via === 'ui' ? await throughUi(server, a, b, paused) : await throughApi(server, a, paused);
    (via === 'ui' ? ui : api).push(got);
    const verdict = await settle(server, paused);
    verdicts.set(verdict, (verdicts.get(verdict) ?? 0) + 1);
    console.error(`dashboard halt: ${i + 1}/${tries * 2} via ${via}: ${round1(got.total)} ms`);
  }
  const uiTotals = ui.map((t) => t.total);
  const apiTotals = api.map((t) => t.total);
  const result = {
    tries,
    faults: FAULTS,
    ui: {
      ...stats(uiTotals),
      banner: stats(ui.map((t) => t.banner)),
      processes: stats(ui.map((t) => t.processes)),
      clickLag: stats(ui.map((t) => t.clickLag)),
    },
    api: { ...stats(apiTotals), answer: stats(api.map((t) => t.answer)) },
    verdicts: Object.fromEntries(verdicts),
  };
  result.ratioP99 = round1(result.ui.p99 / result.api.p99);
  result.ratioP50 = round1(result.ui.p50 / result.api.p50);
  result.met = result.ui.p99 <= 300;
  return result;
}
