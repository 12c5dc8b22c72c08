// Rows of bench/RESULTS.md: the machine, the commit and the date of a measurement, and a row
// written under its own benchmark's table (the section is created, with its explanation and
// table header, the first time). Used by every script of bench/ with --write.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

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

/**
 * Adds `row` (cells) under the table of the section whose heading starts with `## ${id} `,
 * creating the section (heading, explanation, table header) at the end of the file when absent.
 * Rows go after the last table line of their own section, so sections can follow each other.
 */
export function writeResultRow({ id, heading, explanation, columns, row, file = join(root, 'bench', 'RESULTS.md') }) {
  const lines = readFileSync(file, 'utf8').replace(/\n+$/, '').split('\n');
  const line = `| ${row.join(' | ')} |`;
  const start = lines.findIndex((l) => l.startsWith(`## ${id} `) || l === `## ${id}`);
  if (start < 0) {
    if (!columns) throw new Error(`bench/RESULTS.md has no section ${id}`);
    lines.push('', `## ${id} — ${heading}`, '', ...explanation.trim().split('\n'), '', `| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`, line);
  } else {
    let end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
    if (end < 0) end = lines.length;
    let last = -1;
    for (let i = start; i < end; i++) if (lines[i].startsWith('|')) last = i;
    if (last < 0) throw new Error(`bench/RESULTS.md: section ${id} has no table`);
    lines.splice(last + 1, 0, line);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  console.log(`bench/RESULTS.md: row added to ${id}`);
}
