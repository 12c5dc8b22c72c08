import type { StoredRun } from '../engine/events.js';
import { runFacts } from './facts.js';
import { VERDICT_LABEL } from './format.js';
import { htmlPage } from './html-page.js';
import { runSectionHtml } from './html-run.js';

/**
 * One run as a self-contained HTML page (inline CSS, uPlot and script; no network needed).
 *
 * @example writeFileSync(join(run.dir, 'report.html'), renderHtml(readRun('.firedrill', id)))
 */
export function renderHtml(run: StoredRun): string {
  const facts = runFacts(run);
  return htmlPage(`${VERDICT_LABEL[facts.verdict]}: ${facts.title} — Firedrill`, runSectionHtml(facts, 1));
}
