// Rows of bench/RESULTS.md: the machine, the commit and the date of a measurement, and a row
// written under its own benchmark's table (the section is created, with its explanation and
// table header, the first time). Used by every script of bench/ with --write.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { root } from './paths.mjs';

export function machine() {
  return `${cpus().length}× ${cpus()[0]?.model.trim() ?? 'cpu'}, node ${process.version}`;
}

export function gitRev() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
  } catch {
    return '?';
  }
}

export const today = () => new Date().toISOString().slice(0, 10);

/** The "targets met" cell: yes, or which checks were not (`checks`: name → met). */
export function targetsCell(met, checks) {
  if (met) return 'yes';
  const missed = Object.entries(checks)
    .filter(([, ok]) => !ok)
    .map(([name]) => name);
  return `no (${missed.join(', ')})`;
}

/** The first three cells of every row: when, at which commit, on what machine. */
export const stamp = (host = machine()) => [today(), gitRev(), host];

/**
 * Adds `row` (cells) under the table of the section whose heading starts with `## ${id} `,
 * creating the section (heading, explanation, table header) at the end of the file when absent.
 * Rows go after the last table line of their own section, so sections can follow each other.
 *
 * A section may hold several tables: with `table`, the row goes under the `### ${table}`
 * sub-heading of the section (created at the end of the section, with `tableNote` and the table
 * header, when absent).
 */
export function writeResultRow({ id, heading, explanation, table, tableNote, columns, row, file = join(root, 'bench', 'RESULTS.md') }) {
  const lines = readFileSync(file, 'utf8').replace(/\n+$/, '').split('\n');
  const line = `| ${row.join(' | ')} |`;
  const header = () => [`| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`];
  let start = lines.findIndex((l) => l.startsWith(`## ${id} `) || l === `## ${id}`);
  if (start < 0) {
    if (!columns) throw new Error(`bench/RESULTS.md has no section ${id}`);
    lines.push('', `## ${id} — ${heading}`, '', ...explanation.trim().split('\n'));
    if (!table) lines.push('', ...header(), line);
    start = lines.findIndex((l) => l.startsWith(`## ${id} `));
    if (!table) return save(file, lines, id);
  }
  let end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  if (end < 0) end = lines.length;
  let from = start;
  if (table) {
    const title = `### ${table}`;
    from = lines.findIndex((l, i) => i > start && i < end && (l === title || l.startsWith(`${title} `)));
    if (from < 0) {
      if (!columns) throw new Error(`bench/RESULTS.md: section ${id} has no table ${table}`);
      let last = end - 1;
      while (last > start && lines[last].trim() === '') last--;
      const note = tableNote ? ['', ...tableNote.trim().split('\n')] : [];
      lines.splice(last + 1, 0, '', title, ...note, '', ...header(), line);
      return save(file, lines, `${id} / ${table}`);
    }
    const next = lines.findIndex((l, i) => i > from && i < end && l.startsWith('### '));
    if (next >= 0) end = next;
  }
  let last = -1;
  for (let i = from; i < end; i++) if (lines[i].startsWith('|')) last = i;
  if (last < 0) throw new Error(`bench/RESULTS.md: section ${id}${table ? ` / ${table}` : ''} has no table`);
  lines.splice(last + 1, 0, line);
  return save(file, lines, table ? `${id} / ${table}` : id);
}

function save(file, lines, what) {
  writeFileSync(file, `${lines.join('\n')}\n`);
  console.log(`bench/RESULTS.md: row added to ${what}`);
}
