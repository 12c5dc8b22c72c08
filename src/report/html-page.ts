import { firedrillVersion } from '../util/version.js';
import { inlineSafe, reportScript, uplotAssets } from './assets.js';
import { escapeHtml } from './escape.js';
import { REPORT_CSS } from './html-style.js';

/**
 * The one-file HTML document around a report body: styles, uPlot and the chart script are all
 * inline, so the file opens anywhere with no network (and a strict CSP forbids any fetch).
 */
export function htmlPage(title: string, body: string): string {
  const uplot = uplotAssets();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="Firedrill ${escapeHtml(firedrillVersion())}">
<title>${escapeHtml(title)}</title>
<style>${inlineSafe(uplot.css, 'style')}</style>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
${body}
<footer>Made by Firedrill ${escapeHtml(firedrillVersion())}. Charts drawn with uPlot (MIT License, © Leon Sorokin), included in this file.</footer>
</main>
<script>${inlineSafe(uplot.js, 'script')}</script>
<script>${inlineSafe(reportScript(), 'script')}</script>
</body>
</html>
`;
}

/** A table whose cells are already HTML; it scrolls sideways on a narrow screen. */
export function htmlTable(headers: readonly string[], rows: readonly (readonly string[])[], numeric: readonly number[] = []): string {
  const head = headers.map((h, i) => `<th${numeric.includes(i) ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((cell, i) => `<td${numeric.includes(i) ? ' class="num"' : ''}>${cell}</td>`).join('')}</tr>`)
    .join('\n');
  return `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

export function badge(text: string, tone: 'ok' | 'warn' | 'bad' | 'info'): string {
  return `<span class="badge tone-${tone}">${escapeHtml(text)}</span>`;
}
