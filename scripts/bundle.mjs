// Bundles the CLI into one CommonJS file, dist/firedrill.cjs, which bin/firedrill.js compiles
// with a V8 code cache. Node 20 has no module compile cache (Node 22's enableCompileCache), and
// resolving, reading and compiling ~150 ESM modules on every start cost more than the whole
// run: see bench/RESULTS.md. Type checking is tsc's job (`npm run typecheck`); this strips types.
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// HTML reports inline uPlot (src/report/assets.ts) so that they open with no network; the bundle
// carries its text, so an installed CLI needs no node_modules/uplot.
// zod's namespace export `z` keeps every module it re-exports, among them some forty locales
// (a third of the bundle, read and deserialized at every start). Firedrill's messages are
// English and zod registers English on its own (classic/schemas.js imports locales/en.js), so
// `z.locales` offers English alone in the bundle.
const englishOnlyZod = {
  name: 'zod-english-only',
  setup(plugin) {
    plugin.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};
const uplot = (file) => JSON.stringify(readFileSync(createRequire(import.meta.url).resolve(`uplot/dist/${file}`), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
// The HTML report's chart script, a browser file with its own tsconfig, inlined as one IIFE
// (the same options as src/report/assets.ts uses when run from source).
const reportScript = await build({
  entryPoints: ['src/report/browser/charts.ts'],
  bundle: true,
  format: 'iife',
  target: 'es2020',
  minify: true,
  write: false,
  logLevel: 'error',
});
await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/firedrill.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.19',
  // A native addon cannot be bundled; it is loaded from node_modules.
  external: ['better-sqlite3'],
  plugins: [englishOnlyZod],
  // Names are kept so that stack traces stay readable.
  minifySyntax: true,
  minifyWhitespace: true,
  sourcemap: 'linked',
  // bin/firedrill.js compiles the file as the body of this function (a CommonJS module's
  // wrapper): written here, the launcher need not copy 1.2 MB of source to add it.
  banner: { js: '(function (exports, require, module, __filename, __dirname) {' },
  footer: { js: '\n})' },
  // ASCII only, so that the launcher can read it as latin1, which Node decodes faster.
  charset: 'ascii',
  define: {
    FIREDRILL_VERSION: JSON.stringify(pkg.version),
    FIREDRILL_UPLOT_JS: uplot('uPlot.iife.min.js'),
    FIREDRILL_UPLOT_CSS: uplot('uPlot.min.css'),
    FIREDRILL_REPORT_JS: JSON.stringify(reportScript.outputFiles[0].text),
  },
  logLevel: 'error',
});

// Warm the code cache of the commands whose start time matters, so that the first real run
// after a build or an install starts warm too (bin/firedrill.js writes the cache).
const { execFileSync } = await import('node:child_process');
const { mkdtempSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const scratch = mkdtempSync(join(tmpdir(), 'firedrill-warm-'));
try {
  for (const args of [
    ['run', 'examples/quickstart.yaml', '--dry-run', '-q', '--state-dir', scratch],
    ['validate', 'examples/quickstart.yaml'],
  ]) {
    execFileSync(process.execPath, ['bin/firedrill.js', ...args], { stdio: 'ignore' });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
