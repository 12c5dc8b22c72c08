import type { ExpectationRecord } from '../engine/expectation.js';
import { formatDuration } from '../util/duration.js';
import { escapeHtml } from './escape.js';
import { formatMs } from './format.js';
import { badge, htmlTable } from './html-page.js';
import { mdTable } from './markdown-table.js';

/** What had to happen by when, and what did: the expectations of a run, in the HTML and Markdown reports. */

const HEADERS = ['expectation', 'matcher', 'deadline', 'took', 'result', 'detail'];
const TONE = { met: 'ok', late: 'warn', missed: 'bad' } as const;

const deadline = (e: ExpectationRecord) => `${e.never ? 'never within' : 'within'} ${formatDuration(e.within)}`;

export function expectationsHtml(expectations: readonly ExpectationRecord[]): string {
  return htmlTable(
    HEADERS,
    expectations.map((e) => [
      escapeHtml(e.name),
      escapeHtml(e.kind),
      escapeHtml(deadline(e)),
      e.tookMs === undefined ? '—' : formatMs(e.tookMs),
      badge(e.status, TONE[e.status]),
      escapeHtml(e.detail),
    ]),
    [3],
  );
}

export function expectationsMarkdown(expectations: readonly ExpectationRecord[]): string {
  return mdTable(
    HEADERS,
    expectations.map((e) => [
      e.name,
      e.kind,
      deadline(e),
      e.tookMs === undefined ? '—' : formatMs(e.tookMs),
      e.status.toUpperCase(),
      e.detail,
    ]),
    [3],
  );
}
