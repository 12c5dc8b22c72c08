// The dashboard (issue 11), measured against references run in the same bench:
//
// - bundle: the JavaScript a first load ships, per route (/runs, /runs/:id, /experiments,
//   /experiments/:id, /agents, /audit, /users), from the Vite manifest: the entry chunk and its
//   static imports + the route's lazy page chunk and its static imports, each gzipped (node:zlib,
//   level 9) and summed; CSS and a page's dynamic imports (CodeMirror) apart. Target: ≤ 200 kB.
// - halt: a real `firedrill server` and a local `firedrill agent` on one state dir; each try, 10
//   `sleep` paused by one run (10 parallel process-pause faults), two chromium pages logged in
//   (A a facilitator on the run's live view, B a responder); Halt clicked on A (dialog, reason,
//   "Halt everything") → B shows the halt banner and /proc shows all 10 running (polled every
//   2 ms); the try's value is the later of the two. Reference, interleaved: the same halt through
//   `POST /api/v1/halt` → all 10 running. Target: p99 ≤ 300 ms over 20 tries.
// - live: the run's live view of a run written into the store at 100 events/s for --seconds
//   (another replica's run, which the server streams from the store): every event received, no
//   seq lost, and the main thread's long tasks (PerformanceObserver), against the idle floor —
//   the same page on an ended run for as long. Target: nothing lost, no long task (≥ 50 ms).
//
//   npm run build && node bench/dashboard.mjs [--tries 20] [--seconds 60] [--write]
//
// Chromium is Debian's (/usr/bin/chromium, headless), never a downloaded one; every request goes
// to 127.0.0.1. The server, the agent, the sleepers and the browser are stopped and the temp dir
// removed at the end, also on a failure (scenario.mjs, support/processes.mjs).
import { runScenario } from './scenario.mjs';
import { openBrowser, haltProbe, loggedIn } from './dashboard/browser.mjs';
import { bundleTable, measureBundle } from './dashboard/bundle.mjs';
import { makeUser, startServer, stopServer } from './dashboard/control-plane.mjs';
import { measureHalt } from './dashboard/halt.mjs';
import { measureLive } from './dashboard/live.mjs';
import { writeDashboard } from './dashboard/results.mjs';

await runScenario({
  name: 'dashboard',
  defaults: { tries: 20, seconds: 60 },
  // The agent (scenario.mjs starts it on s.stateDir) is the server's local agent: same state dir.
  async measure(s) {
    const bundle = measureBundle();
    console.error(bundleTable(bundle));
    s.server = await startServer(s.stateDir);
    await makeUser(s.server, 'fac', ['facilitator']);
    await makeUser(s.server, 'resp', ['responder']);
    await makeUser(s.server, 'watcher', ['viewer']);
    s.browser = await openBrowser();
    const a = await loggedIn(s.browser, s.server, 'fac', [haltProbe]);
    const b = await loggedIn(s.browser, s.server, 'resp', [haltProbe]);
    await b.page.goto(`${s.server.url}/runs`);
    // --tries 0 or --seconds 0 leaves that part out (a trial of the other; not for --write).
    const halt = s.options.tries > 0 ? await measureHalt(s.server, { a, b }, s.options.tries) : undefined;
    if (halt) Object.assign(halt, { errors: [...a.errors, ...b.errors], outside: [...a.outside, ...b.outside] });
    await a.context.close();
    await b.context.close();
    const live = s.options.seconds > 0 ? await measureLive(s.browser, s.server, s.options.seconds) : undefined;
    return { bundle, halt, live };
  },
  async teardown(s) {
    await s.browser?.close();
    await stopServer(s.server);
  },
  summarize: (m) => ({
    ...m,
    met: Math.max(...m.bundle.routes.map((r) => r.js)) <= m.bundle.budgetKB && m.halt?.met !== false && m.live?.met !== false,
  }),
  write: writeDashboard,
});
