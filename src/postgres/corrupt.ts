import { readFile, writeFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { dumpFormatOf } from './dump.js';

/** What corruptDump did, so a drill can say what its verification must find. */
export interface DumpDamage {
  readonly droppedRow: { readonly table: string; readonly row: string };
  readonly alteredValue: { readonly table: string; readonly column: string; readonly from: string; readonly to: string };
}

interface CopyBlock {
  readonly table: string;
  readonly columns: readonly string[];
  /** Line index of the first data row, and of the `\.` that ends the block. */
  readonly first: number;
  readonly end: number;
}

const COPY_LINE = /^COPY (\S+) \(([^)]*)\) FROM stdin;$/;

/**
 * Writes a damaged copy of a plain-format dump, the kind of silent damage a backup drill must
 * catch: one data row of the largest table is gone, and one value of another table (or of
 * another row, when there is a single table) is changed. The dump still restores without an
 * error; only comparing the restore with the source shows it. Its source manifest is kept, so
 * the damaged copy is verified against what the source really held.
 */
export async function corruptDump(input: string, output: string): Promise<DumpDamage> {
  if (dumpFormatOf(input) !== 'plain') {
    throw new UserError(
      'FD_DUMP_FORMAT',
      `${input} is a custom-format archive; corruptDump edits plain SQL dumps (pg_dump --format=plain, what postgres-restore writes)`,
    );
  }
  const lines = (await readFile(input, 'utf8')).split('\n');
  const blocks = copyBlocks(lines).filter((block) => block.end > block.first);
  const largest = blocks.reduce<CopyBlock | undefined>((best, block) => (!best || rows(block) > rows(best) ? block : best), undefined);
  if (!largest) throw new UserError('FD_DUMP_EMPTY', `${input} holds no table rows to damage`);

  const dropAt = largest.first + Math.floor(rows(largest) / 2);
  const others = [...blocks.filter((block) => block !== largest), largest];
  let altered: DumpDamage['alteredValue'] | undefined;
  for (const block of others) {
    for (let index = block.first; index < block.end && !altered; index++) {
      if (index === dropAt) continue;
      altered = alterRow(lines, index, block);
    }
    if (altered) break;
  }
  if (!altered) throw new UserError('FD_DUMP_UNALTERABLE', `${input}: no value found that can be changed and still restore`);

  const droppedRow = { table: displayName(largest.table), row: lines[dropAt] ?? '' };
  lines.splice(dropAt, 1);
  await writeFile(output, lines.join('\n'), { mode: 0o600 });
  return { droppedRow, alteredValue: altered };
}

function copyBlocks(lines: readonly string[]): CopyBlock[] {
  const blocks: CopyBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const match = COPY_LINE.exec(lines[index] ?? '');
    if (!match) continue;
    let end = index + 1;
    while (end < lines.length && lines[end] !== '\\.') end++;
    blocks.push({ table: match[1] ?? '', columns: (match[2] ?? '').split(',').map((column) => column.trim()), first: index + 1, end });
    index = end;
  }
  return blocks;
}

function rows(block: CopyBlock): number {
  return block.end - block.first;
}

/**
 * Changes one value of a row so that it still parses as its type: an integer (not the first
 * column, usually the key) goes up by one, else a plain word gets a letter more.
 */
function alterRow(lines: string[], index: number, block: CopyBlock): DumpDamage['alteredValue'] | undefined {
  const fields = (lines[index] ?? '').split('\t');
  const pick = (test: (value: string) => boolean) => fields.findIndex((value, column) => column > 0 && test(value));
  let column = pick((value) => /^-?\d{1,15}$/.test(value));
  let to: string | undefined;
  if (column > 0) to = String(Number(fields[column]) + 1);
  else {
    column = pick((value) => /^[A-Za-z][A-Za-z0-9 -]*$/.test(value));
    if (column > 0) to = `${fields[column]}x`;
  }
  if (to === undefined || column <= 0) return undefined;
  const from = fields[column] ?? '';
  fields[column] = to;
  lines[index] = fields.join('\t');
  return { table: displayName(block.table), column: block.columns[column] ?? `column ${column + 1}`, from, to };
}

/** `public.orders` is shown as `orders`, like the verification's table names. */
function displayName(table: string): string {
  return table.startsWith('public.') ? table.slice('public.'.length) : table;
}
