// The JavaScript the dashboard ships for a first load, per route, read from the Vite manifest
// (dist/web/.vite/manifest.json): the entry chunk (the shell) and its static imports, plus the
// route's lazy page chunk and its static imports, each file counted once, gzipped at level 9
// (node:zlib). A page's own dynamic imports (CodeMirror for the experiment page) are not part of
// the first load: they are reported apart, as is the CSS those chunks carry.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { root } from '../support.mjs';

export const BUDGET_KB = 200;
export const GZIP_LEVEL = 9;

/** The routes of web/src/App.tsx and the lazy page each one renders. */
export const ROUTES = [
  ['/runs', 'src/runs/RunsPage.tsx'],
  ['/runs/:id', 'src/runs/RunPage.tsx'],
  ['/experiments', 'src/experiments/ExperimentsPage.tsx'],
  ['/experiments/:id', 'src/experiments/ExperimentPage.tsx'],
  ['/agents', 'src/agents/AgentsPage.tsx'],
  ['/audit', 'src/admin/AuditPage.tsx'],
  ['/users', 'src/admin/UsersPage.tsx'],
];

const kB = (bytes) => Math.round(bytes / 100) / 10; // 1 kB = 1000 bytes, one decimal

/** Sizes of the built files, raw and gzipped, read once each. */
function sizer(webDir) {
  const cache = new Map();
  return (file) => {
    if (!cache.has(file)) {
      const bytes = readFileSync(join(webDir, file));
      cache.set(file, { raw: bytes.length, gz: gzipSync(bytes, { level: GZIP_LEVEL }).length });
    }
    return cache.get(file);
  };
}

/** The manifest keys `key` needs before it runs: itself and its static imports, transitively. */
function closure(manifest, key, into = new Set()) {
  if (into.has(key)) return into;
  const chunk = manifest[key];
  if (!chunk) throw new Error(`the Vite manifest has no chunk ${key}: was the dashboard rebuilt with other pages?`);
  into.add(key);
  for (const imported of chunk.imports ?? []) closure(manifest, imported, into);
  return into;
}

const sum = (files, size, field) => [...files].reduce((total, file) => total + size(file)[field], 0);

/**
 * Per route: { route, shell, page, js, raw, css, deferred, ratio } in kB gzipped — shell = the entry
 * and its static imports, page = what the route's lazy chunk adds (itself and its static imports
 * not in the shell), js = their sum, css = the stylesheets of all those chunks, deferred = the
 * page's dynamic imports (and what they add), ratio = js ÷ the budget.
 */
export function measureBundle(webDir = join(root, 'dist', 'web')) {
  const manifest = JSON.parse(readFileSync(join(webDir, '.vite', 'manifest.json'), 'utf8'));
  const entry = Object.keys(manifest).find((key) => manifest[key].isEntry);
  if (!entry) throw new Error('the Vite manifest names no entry chunk');
  const size = sizer(webDir);
  const files = (keys) => new Set([...keys].map((key) => manifest[key].file));
  const styles = (keys) => new Set([...keys].flatMap((key) => manifest[key].css ?? []));
  const shellKeys = closure(manifest, entry);
  const routes = ROUTES.map(([route, page]) => {
    const pageKeys = closure(manifest, page);
    const firstLoad = new Set([...shellKeys, ...pageKeys]);
    const added = new Set([...pageKeys].filter((key) => !shellKeys.has(key)));
    const later = new Set();
    for (const dynamic of manifest[page].dynamicImports ?? []) closure(manifest, dynamic, later);
    for (const key of firstLoad) later.delete(key);
    const js = sum(files(firstLoad), size, 'gz');
    return {
      route,
      shell: kB(sum(files(shellKeys), size, 'gz')),
      page: kB(sum(files(added), size, 'gz')),
      js: kB(js),
      raw: kB(sum(files(firstLoad), size, 'raw')),
      css: kB(sum(styles(firstLoad), size, 'gz')),
      deferred: later.size > 0 ? { chunks: [...files(later)], js: kB(sum(files(later), size, 'gz')) } : undefined,
      ratio: Math.round((js / 1000 / BUDGET_KB) * 100) / 100,
    };
  });
  return { entry: manifest[entry].file, gzipLevel: GZIP_LEVEL, budgetKB: BUDGET_KB, routes };
}

/** The per-route table, for a person. */
export function bundleTable({ routes, budgetKB }) {
  const f = (value, width) => value.toFixed(1).padStart(width);
  const lines = [
    `first-load JavaScript, kB gzipped (level ${GZIP_LEVEL}), budget ${budgetKB} kB`,
    'route              shell    page   total (raw)          ÷ budget   CSS    later (dynamic imports)',
  ];
  for (const r of routes) {
    const later = r.deferred ? `${r.deferred.js} kB (${r.deferred.chunks.map((c) => c.replace(/^assets\//, '')).join(', ')})` : '—';
    lines.push(
      `${r.route.padEnd(18)} ${f(r.shell, 6)} ${f(r.page, 7)} ${f(r.js, 7)} (${f(r.raw, 6)} raw) ` +
        `${r.ratio.toFixed(2).padStart(9)}  ${f(r.css, 5)}   ${later}`,
    );
  }
  return lines.join('\n');
}
