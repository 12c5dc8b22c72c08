// The run's live view under 100 events/s for --seconds, against its idle floor.
//
// Live: a run written into the store as another replica's (events.mjs), its first events
// written, a page (a viewer, long tasks observed from before its first script) opened on
// /runs/<id> and shown them; then events written at 100/s for --seconds (what is due every
// 10 ms, in one transaction), then run-ended and the row marked ended; the page's
// `window.firedrillLive` ({ received, lastSeq, gaps }, set by the live view) read once it saw the
// end. Idle floor (before, same length): the same page on a run that has already ended, which
// receives nothing more. Long tasks are counted from the moment the window begins.
/* global window, performance */
import { nowMs, round1, sleep } from '../support.mjs';
import { loggedIn, longTaskProbe } from './browser.mjs';
import { ending, openStore, preamble, streamedEvent } from './events.mjs';

const RATE = 100;

/** The live view of `runId` open in a fresh page, once it took `events` events; the page's clock at that moment. */
async function openLiveView(browser, server, runId, events) {
  const watched = await loggedIn(browser, server, 'watcher', [longTaskProbe]);
  await watched.page.goto(`${server.url}/runs/${runId}`);
  await watched.page.waitForFunction((n) => (window.firedrillLive?.received ?? 0) >= n, events, { timeout: 15_000 });
  if (!(await watched.page.evaluate(() => window.firedrillBench.longTaskSupported)))
    throw new Error('this chromium reports no longtask entries');
  const from = await watched.page.evaluate(() => performance.now());
  return { ...watched, from };
}

/**
 * Long tasks since `from` (page clock): { count, longestMs, totalMs, tasks: [{ atS, ms }] } with
 * `atS` seconds into the window (the first 20), and the same of those before (the page's load).
 */
async function longTasks(watched) {
  const all = await watched.page.evaluate(() => window.firedrillBench.longTasks);
  const describe = (tasks) => ({
    count: tasks.length,
    longestMs: round1(Math.max(0, ...tasks.map((t) => t.duration))),
    totalMs: round1(tasks.reduce((sum, t) => sum + t.duration, 0)),
    tasks: tasks.slice(0, 20).map((t) => ({ atS: round1((t.start - watched.from) / 1000), ms: round1(t.duration) })),
  });
  return { during: describe(all.filter((t) => t.start >= watched.from)), load: describe(all.filter((t) => t.start < watched.from)) };
}

async function idleFloor(browser, server, store, seconds) {
  const runId = 'bench-idle';
  const events = [...preamble('bench idle floor'), ending(4)];
  store.insertRun(runId, 'bench idle floor', 'ended');
  store.append(runId, events);
  const watched = await openLiveView(browser, server, runId, events.length);
  await watched.page.waitForFunction(() => window.firedrillLive?.ended === true, undefined, { timeout: 15_000 });
  await sleep(seconds * 1000);
  const result = { ...(await longTasks(watched)), errors: watched.errors, outside: watched.outside };
  await watched.context.close();
  return result;
}

async function underLoad(browser, server, store, seconds) {
  const runId = 'bench-live';
  const title = `bench live view, ${RATE} events/s`;
  store.insertRun(runId, title, 'running');
  const first = preamble(title);
  store.append(runId, first);
  const watched = await openLiveView(browser, server, runId, first.length);
  const total = RATE * seconds;
  let written = 0;
  const started = nowMs();
  while (written < total) {
    const due = Math.min(total, Math.floor(((nowMs() - started) / 1000) * RATE));
    const batch = [];
    for (; written < due; written++) batch.push({ seq: first.length + written + 1, ...streamedEvent(written) });
    if (batch.length > 0) store.append(runId, batch);
    await sleep(10);
  }
  const writingMs = nowMs() - started;
  const [seen, stoppedAt] = await watched.page.evaluate(() => [window.firedrillLive?.received ?? 0, performance.now()]);
  const last = first.length + total + 1;
  store.append(runId, [ending(last)]);
  store.end(runId);
  await watched.page.waitForFunction(() => window.firedrillLive?.ended === true, undefined, { timeout: 30_000 }).catch(() => undefined);
  const live = await watched.page.evaluate(() => window.firedrillLive);
  const result = {
    written: last,
    received: live?.received ?? 0,
    lastSeq: live?.lastSeq ?? 0,
    gaps: live?.gaps ?? NaN,
    ended: live?.ended === true,
    behindWhenWritingStopped: first.length + total - seen,
    rate: round1((total / writingMs) * 1000),
    writingStoppedAtS: round1((stoppedAt - watched.from) / 1000),
    ...(await longTasks(watched)),
    errors: watched.errors,
    outside: watched.outside,
  };
  await watched.context.close();
  return result;
}

/** The idle floor, then the same page under 100 events/s; each for `seconds`. */
export async function measureLive(browser, server, seconds) {
  const store = openStore(server.database);
  try {
    const idle = await idleFloor(browser, server, store, seconds);
    const live = await underLoad(browser, server, store, seconds);
    // A long task is one of 50 ms or more: "long tasks < 50 ms" is none at all.
    const met = live.received === live.written && live.gaps === 0 && live.during.count === 0;
    return { seconds, idle, live, met };
  } finally {
    store.close();
  }
}
