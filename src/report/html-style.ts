/**
 * The report's stylesheet: readable on a phone (tables scroll sideways inside their box, charts
 * take the width they get) and on paper (colours kept, sections not split across pages).
 */
export const REPORT_CSS = `
:root { --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --info: #57606a; --line: #d0d7de; --soft: #f6f8fa; --fault: rgba(207, 34, 46, 0.13); }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; color: #1f2328; background: #fff;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
main { max-width: 1100px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.6em; margin: 0.2em 0 0.4em; overflow-wrap: anywhere; }
h2 { font-size: 1.25em; margin: 1.6em 0 0.5em; padding-bottom: 0.2em; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05em; margin: 1.2em 0 0.4em; }
p, li { overflow-wrap: anywhere; }
.muted { color: var(--info); }
.verdict { border-left: 8px solid var(--tone); background: var(--soft); padding: 12px 16px; margin: 12px 0 16px; border-radius: 6px; }
.kicker { margin: 0; color: var(--info); font-weight: 600; text-transform: uppercase; font-size: 0.8em; letter-spacing: 0.04em; }
.verdict .word { font-size: 2.2em; font-weight: 800; line-height: 1.1; color: var(--tone); letter-spacing: 0.01em; }
.verdict .meaning { font-size: 1.1em; margin: 6px 0 2px; }
.verdict .reason { font-size: 1.05em; font-weight: 600; overflow-wrap: anywhere; }
.tone-ok { --tone: var(--ok); } .tone-warn { --tone: var(--warn); } .tone-bad { --tone: var(--bad); } .tone-info { --tone: var(--info); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
dl.facts dt { color: var(--info); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-size: 0.93em; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
td:first-child { min-width: 9em; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 0.85em; font-weight: 600; color: #fff; background: var(--tone); white-space: nowrap; }
ol.timeline { list-style: none; padding: 0; margin: 0; border-left: 2px solid var(--line); }
ol.timeline li { position: relative; padding: 3px 0 3px 16px; }
ol.timeline li::before { content: ""; position: absolute; left: -6px; top: 10px; width: 10px; height: 10px; border-radius: 50%; background: var(--tone); }
ol.timeline .when { display: inline-block; min-width: 5.2em; color: var(--info); font-variant-numeric: tabular-nums; }
ol.timeline .detail { display: block; color: var(--info); font-size: 0.9em; padding-left: 5.2em; }
.chart { margin: 8px 0 4px; min-height: 60px; }
.chart-key { font-size: 0.88em; color: var(--info); margin: 0 0 12px; }
.swatch { display: inline-block; width: 1.4em; height: 0.9em; vertical-align: middle; background: var(--fault); border: 1px solid rgba(207, 34, 46, 0.5); }
.marker { display: inline-block; width: 0; height: 1em; vertical-align: middle; border-left: 2px dashed var(--bad); margin: 0 4px 0 6px; }
section.run { margin-top: 28px; }
section.run + section.run { border-top: 3px solid var(--line); padding-top: 8px; }
footer { margin: 32px 0 8px; font-size: 0.85em; color: var(--info); }
@media (max-width: 600px) {
  body { font-size: 14px; } main { padding: 10px; }
  .verdict .word { font-size: 1.7em; }
  dl.facts { grid-template-columns: 1fr; } dl.facts dd { margin-bottom: 4px; }
  ol.timeline .detail { padding-left: 0; }
}
@media print {
  body { font-size: 10.5pt; } main { max-width: none; padding: 0; }
  h2, h3 { break-after: avoid; } .chart, tr, ol.timeline li, .verdict { break-inside: avoid; }
  section.run + section.run { break-before: page; border-top: none; }
  .scroll { overflow: visible; } a { color: inherit; text-decoration: none; }
}
`;
