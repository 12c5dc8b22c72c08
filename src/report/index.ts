/** The report formats: one run (HTML, Markdown), many runs (JUnit), the whole demo. */
export { renderHtml } from './html.js';
export { renderMarkdown } from './markdown.js';
export { renderJunit } from './junit.js';
export { renderDemoHtml, renderDemoMarkdown } from './demo.js';
export { formatSummaryTable } from './summary-table.js';
export type { DemoSummary, DrillSummary } from './summary.js';
