import { escapeHtml, escapeMarkdown } from '../report/escape.js';
import { htmlPage, htmlTable } from '../report/html-page.js';
import { mdTable } from '../report/markdown-table.js';
import type { ReviewBlock, ReviewDoc } from './review.js';

/** The review as Markdown: for the wiki, the pull request, the app. */
export function reviewMarkdown(doc: ReviewDoc): string {
  const block = (b: ReviewBlock): string => {
    if ('table' in b) return mdTable(b.table.headers, b.table.rows);
    if ('note' in b) return `_${escapeMarkdown(b.note)}_`;
    return `${b.strong ? `**${escapeMarkdown(b.strong)}**: ` : ''}${escapeMarkdown(b.text)}`;
  };
  const parts = [`# ${escapeMarkdown(doc.title)}`, ...doc.intro.map(block)];
  for (const section of doc.sections)
    parts.push(`${'#'.repeat(section.level)} ${escapeMarkdown(section.heading)}`, ...section.blocks.map(block));
  return `${parts.join('\n\n')}\n`;
}

/** The review as one HTML file (the reports' page: no network, a strict CSP), in the app and as a download. */
export function reviewHtml(doc: ReviewDoc): string {
  const block = (b: ReviewBlock): string => {
    if ('table' in b)
      return htmlTable(
        b.table.headers,
        b.table.rows.map((row) => row.map(escapeHtml)),
      );
    if ('note' in b) return `<p class="muted"><em>${escapeHtml(b.note)}</em></p>`;
    return `<p>${b.strong ? `<strong>${escapeHtml(b.strong)}</strong>: ` : ''}${escapeHtml(b.text)}</p>`;
  };
  const body = [`<h1>${escapeHtml(doc.title)}</h1>`, ...doc.intro.map(block)];
  for (const section of doc.sections)
    body.push(`<h${section.level}>${escapeHtml(section.heading)}</h${section.level}>`, ...section.blocks.map(block));
  return htmlPage(doc.title, body.join('\n'));
}
