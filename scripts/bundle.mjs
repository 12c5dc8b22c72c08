// Bundles the CLI into dist/ with esbuild. One file per lazily loaded command (code splitting)
// instead of ~150 modules: Node 20 has no module compile cache, and resolving, reading and
// compiling each ESM module separately cost more than the whole run (bench/RESULTS.md).
// Type checking is tsc's job (`npm run typecheck`); this only strips types.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // A native addon cannot be bundled; it is loaded from node_modules.
  external: ['better-sqlite3'],
  minifySyntax: true,
  minifyWhitespace: true,
  sourcemap: 'linked',
  define: { FIREDRILL_VERSION: JSON.stringify(pkg.version) },
  // Some dependencies are CommonJS and call require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __firedrillRequire } from 'node:module'; const require = __firedrillRequire(import.meta.url);" },
  logLevel: 'warning',
});
writeFileSync(new URL('../dist/package.json', import.meta.url), '{ "type": "module" }\n');
