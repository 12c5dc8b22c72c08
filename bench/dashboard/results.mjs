// The dashboard's rows in bench/RESULTS.md: one section, three tables (bundle, halt, live), a
// row in each per `node bench/dashboard.mjs --write`.
import { stamp, writeResultRow } from '../support.mjs';
import { GZIP_LEVEL, ROUTES } from './bundle.mjs';

const EXPLANATION = `
\`npm run build && node bench/dashboard.mjs --write\` (defaults: 20 tries per halt path, 60 s per
live-view window). Bundle: from dist/web/.vite/manifest.json, per route the entry chunk (the
shell) and its static imports + the route's lazy page chunk and its static imports, each file
once, gzipped (node:zlib level ${GZIP_LEVEL}); a page's dynamic imports (CodeMirror, only the
experiment page's) and CSS apart. Halt: a real \`firedrill server\` and \`firedrill agent\` on one
state dir, chromium (Debian's, headless) through playwright-core; each try pauses 10 \`sleep\`
through one run (10 parallel process-pause faults), page A (facilitator) on the run's live view
clicks Halt → reason → "Halt everything"; the value is max(page B, a responder on the runs list,
has the halt banner in its DOM; /proc, polled every 2 ms, shows all 10 running) − the click
(in-page clocks aligned on Date.now ticks). Reference interleaved: \`POST /api/v1/halt\` with a
token → all 10 running. p99 is nearest-rank (of 20, the slowest). Live: a run written straight
into the store as another replica's (the server streams it by reading the store every 250 ms),
100 events/s (88 % monitor readings, fault steps, faults, hypothesis checks) then run-ended; the
live view's \`window.firedrillLive\` and the long tasks (PerformanceObserver, buffered) from the
moment the page showed the run's first events. Idle floor: the same page on an ended run for as
long. Targets (issue 11): first load ≤ 200 kB gzipped, halt p99 ≤ 300 ms, no event lost and no
long task (≥ 50 ms) under 100 events/s.`;

const BUNDLE_NOTE = `First-load JavaScript per route, kB gzipped: shell + page = total (the largest total ÷ 200 kB in the
last columns); CSS apart; "later": what the page imports dynamically as it renders.`;
const HALT_NOTE = `Halt through the dashboard (click → banner in a second browser and all 10 faults reverted) against
\`POST /api/v1/halt\` (→ all 10 reverted), ms.`;
const LIVE_NOTE = `The live view under 100 events/s against the idle floor (an ended run, the same page, as long).`;

const pair = (s) => `${s.p50} / ${s.p99}`;

export function writeDashboard({ bundle, halt, live }) {
  if (!halt || !live) throw new Error('--write needs every part: --tries and --seconds above 0');
  const [date, commit, host] = stamp();
  const head = ['date', 'commit', 'machine'];
  const largest = Math.max(...bundle.routes.map((r) => r.js));
  const later = bundle.routes.filter((r) => r.deferred).map((r) => `${r.route}: +${r.deferred.js}`);
  writeResultRow({
    id: 'dashboard',
    heading: 'the dashboard: first-load JavaScript, halt from the browser, the live view under load',
    explanation: EXPLANATION,
    table: 'bundle',
    tableNote: BUNDLE_NOTE,
    columns: [...head, ...ROUTES.map(([route]) => route), 'CSS', 'later', 'largest ÷ budget', 'target met'],
    row: [
      date,
      commit,
      host,
      ...bundle.routes.map((r) => `${r.shell} + ${r.page} = ${r.js}`),
      `${Math.min(...bundle.routes.map((r) => r.css))}–${Math.max(...bundle.routes.map((r) => r.css))}`,
      later.join('; ') || '—',
      `${largest} ÷ ${bundle.budgetKB} = ${Math.round((largest / bundle.budgetKB) * 100) / 100}`,
      largest <= bundle.budgetKB ? 'yes' : 'no',
    ],
  });
  writeResultRow({
    id: 'dashboard',
    table: 'halt',
    tableNote: HALT_NOTE,
    columns: [
      ...head,
      'tries per path',
      'UI p50 / p99',
      'banner in B p50 / p99',
      'faults reverted p50 / p99',
      'API (ref) p50 / p99',
      'UI ÷ API p50 / p99',
      'target met',
    ],
    row: [
      date,
      commit,
      host,
      halt.tries,
      pair(halt.ui),
      pair(halt.ui.banner),
      pair(halt.ui.processes),
      pair(halt.api),
      `${halt.ratioP50}× / ${halt.ratioP99}×`,
      halt.met ? 'yes' : 'no',
    ],
  });
  const tasks = (t) => `${t.count} / ${t.longestMs}`;
  writeResultRow({
    id: 'dashboard',
    table: 'live',
    tableNote: LIVE_NOTE,
    columns: [
      ...head,
      's',
      'received / written',
      'gaps',
      'behind when writing stopped',
      'long tasks: count / longest ms',
      'idle floor: count / longest ms',
      'long tasks at load (live / idle)',
      'target met',
    ],
    row: [
      date,
      commit,
      host,
      live.seconds,
      `${live.live.received} / ${live.live.written}`,
      live.live.gaps,
      live.live.behindWhenWritingStopped,
      tasks(live.live.during),
      tasks(live.idle.during),
      `${tasks(live.live.load)} · ${tasks(live.idle.load)}`,
      live.met ? 'yes' : 'no',
    ],
  });
}
