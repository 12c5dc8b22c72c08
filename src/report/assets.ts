import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

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
  if (typeof FIREDRILL_UPLOT_JS === 'string' && typeof FIREDRILL_UPLOT_CSS === 'string') return { js: FIREDRILL_UPLOT_JS, css: FIREDRILL_UPLOT_CSS };
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
