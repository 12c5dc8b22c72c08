import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { buildSync } from 'esbuild';

/**
 * uPlot's minified build and stylesheet, inlined into every HTML report so that it opens with
 * no network. The bundler (scripts/bundle.mjs) defines both texts, so an installed CLI carries
 * them; run from source (tests), they are read from node_modules.
 */
declare const FIREDRILL_UPLOT_JS: string | undefined;
declare const FIREDRILL_UPLOT_CSS: string | undefined;

export interface UplotAssets {
  readonly js: string;
  readonly css: string;
}

let cached: UplotAssets | undefined;

export function uplotAssets(): UplotAssets {
  if (typeof FIREDRILL_UPLOT_JS === 'string' && typeof FIREDRILL_UPLOT_CSS === 'string')
    return { js: FIREDRILL_UPLOT_JS, css: FIREDRILL_UPLOT_CSS };
  if (!cached) {
    const require = createRequire(import.meta.url);
    const read = (file: string) => readFileSync(require.resolve(`uplot/dist/${file}`), 'utf8');
    cached = { js: read('uPlot.iife.min.js'), css: read('uPlot.min.css') };
  }
  return cached;
}

/**
 * Inline `<script>`/`<style>` content ends at the first `</script` or `</style`, whatever the
 * JavaScript or CSS around it means; the uPlot build has none today, and this keeps it so.
 */
export function inlineSafe(code: string, element: 'script' | 'style'): string {
  return code.replace(new RegExp(`</(${element})`, 'gi'), '<\\/$1').replace(/<!--/g, '<\\!--');
}

declare const FIREDRILL_REPORT_JS: string | undefined;
let script: string | undefined;
/** How the chart script is compiled from source; scripts/bundle.mjs uses the same options. */
const REPORT_SCRIPT_BUILD = { bundle: true, format: 'iife', target: 'es2020', minify: true, logLevel: 'error' } as const;

/**
 * The report's chart script (src/report/browser/charts.ts) as one IIFE. The bundler defines it;
 * run from source, it is compiled on first use with esbuild, a development dependency.
 */
export function reportScript(): string {
  if (typeof FIREDRILL_REPORT_JS === 'string') return FIREDRILL_REPORT_JS;
  if (script === undefined) {
    const require = createRequire(import.meta.url);
    const esbuild = require('esbuild') as { buildSync: typeof buildSync };
    const entry = fileURLToPath(new URL('./browser/charts.ts', import.meta.url));
    script = esbuild.buildSync({ ...REPORT_SCRIPT_BUILD, entryPoints: [entry], write: false }).outputFiles[0]?.text ?? '';
  }
  return script;
}
