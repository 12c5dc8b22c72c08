import { escapeMarkdown } from './escape.js';
import type { Plain } from './escape.js';

/** A GitHub-flavoured Markdown table; every cell is escaped here, so callers pass plain text. */
export function mdTable(headers: readonly string[], rows: readonly (readonly Plain[])[], numeric: readonly number[] = []): string {
  const head = `| ${headers.map(escapeMarkdown).join(' | ')} |`;
  const rule = `|${headers.map((_, i) => (numeric.includes(i) ? '---:' : '---')).join('|')}|`;
  const body = rows.map((row) => `| ${row.map((cell) => escapeMarkdown(cell === '' ? ' ' : cell)).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

/** Plain-text cell values for times relative to the run: `+1.25s`, or `—`. */
export function orDash(value: string | undefined): string {
  return value === undefined || value === '' ? '—' : value;
}
