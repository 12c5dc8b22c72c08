// A line diff of two versions of an experiment: the longest common subsequence of their lines,
// read back as kept, removed and added lines. Common head and tail are set aside first, so that
// the table is only as big as the part that changed.

export type DiffKind = 'same' | 'removed' | 'added';

export interface DiffLine {
  readonly kind: DiffKind;
  readonly text: string;
  /** 1-based line number in the older text (absent for an added line). */
  readonly before?: number;
  /** 1-based line number in the newer text (absent for a removed line). */
  readonly after?: number;
}

/** Beyond this many table cells the middle is shown as removed then added: a diff, if not the smallest. */
const MAX_CELLS = 4_000_000;

/**
 * The lines of `after` against those of `before`, in order: every line of `before` appears once
 * as `same` or `removed`, every line of `after` once as `same` or `added`.
 *
 * @example lineDiff('a\nb', 'a\nc') // same a, removed b, added c
 */
export function lineDiff(before: string, after: string): DiffLine[] {
  const old = splitLines(before);
  const now = splitLines(after);
  let head = 0;
  while (head < old.length && head < now.length && old[head] === now[head]) head++;
  let tail = 0;
  while (tail < old.length - head && tail < now.length - head && old[old.length - 1 - tail] === now[now.length - 1 - tail]) tail++;

  const out: DiffLine[] = [];
  for (let i = 0; i < head; i++) out.push({ kind: 'same', text: old[i] ?? '', before: i + 1, after: i + 1 });
  const a = old.slice(head, old.length - tail);
  const b = now.slice(head, now.length - tail);
  for (const [kind, i, j] of middle(a, b)) {
    if (kind === 'same') out.push({ kind, text: a[i] ?? '', before: head + i + 1, after: head + j + 1 });
    else if (kind === 'removed') out.push({ kind, text: a[i] ?? '', before: head + i + 1 });
    else out.push({ kind, text: b[j] ?? '', after: head + j + 1 });
  }
  for (let k = tail; k > 0; k--) {
    out.push({ kind: 'same', text: old[old.length - k] ?? '', before: old.length - k + 1, after: now.length - k + 1 });
  }
  return out;
}

/** How many lines were added and removed. */
export function diffCounts(lines: readonly DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of lines) {
    if (line.kind === 'added') added++;
    else if (line.kind === 'removed') removed++;
  }
  return { added, removed };
}

/** An empty text has no line; a final newline does not start one. */
function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Steps `[kind, index in a, index in b]` turning `a` into `b`, removals before additions where both fit. */
function middle(a: readonly string[], b: readonly string[]): [DiffKind, number, number][] {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_CELLS) {
    return [
      ...a.map((_, i): [DiffKind, number, number] => ['removed', i, 0]),
      ...b.map((_, j): [DiffKind, number, number] => ['added', 0, j]),
    ];
  }
  // common[i * (m + 1) + j]: the length of the longest common subsequence of a[i..] and b[j..].
  const width = m + 1;
  const common = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      common[i * width + j] =
        a[i] === b[j]
          ? (common[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(common[(i + 1) * width + j] ?? 0, common[i * width + j + 1] ?? 0);
    }
  }
  const steps: [DiffKind, number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) steps.push(['same', i++, j++]);
    else if ((common[(i + 1) * width + j] ?? 0) >= (common[i * width + j + 1] ?? 0)) steps.push(['removed', i++, j]);
    else steps.push(['added', i, j++]);
  }
  while (i < n) steps.push(['removed', i++, j]);
  while (j < m) steps.push(['added', i, j++]);
  return steps;
}
