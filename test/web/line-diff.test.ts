import { describe, expect, it } from 'vitest';
import { diffCounts, lineDiff } from '../../web/src/experiments/line-diff.js';
import type { DiffLine } from '../../web/src/experiments/line-diff.js';

/** `+ b`, `- a`, `  c`: the diff as a reader sees it. */
const show = (lines: DiffLine[]) => lines.map((l) => `${l.kind === 'added' ? '+' : l.kind === 'removed' ? '-' : ' '} ${l.text}`);

/** Both texts, read back from the diff: the older from kept and removed lines, the newer from kept and added ones. */
const sides = (lines: DiffLine[]) => ({
  before: lines.filter((l) => l.kind !== 'added').map((l) => l.text),
  after: lines.filter((l) => l.kind !== 'removed').map((l) => l.text),
});

describe('lineDiff', () => {
  it('keeps every line of two equal texts', () => {
    expect(show(lineDiff('a\nb\n', 'a\nb\n'))).toEqual(['  a', '  b']);
  });

  it('shows a changed line as removed then added, between the kept ones', () => {
    const yaml = (d: string) => `title: pause\nmethod:\n  - name: pause\n    duration: ${d}\n    target: s\n`;
    expect(show(lineDiff(yaml('2s'), yaml('1s')))).toEqual([
      '  title: pause',
      '  method:',
      '    - name: pause',
      '-     duration: 2s',
      '+     duration: 1s',
      '      target: s',
    ]);
  });

  it('numbers each line on the side it belongs to', () => {
    const lines = lineDiff('a\nb\nc', 'a\nx\nb\nc');
    expect(lines).toEqual([
      { kind: 'same', text: 'a', before: 1, after: 1 },
      { kind: 'added', text: 'x', after: 2 },
      { kind: 'same', text: 'b', before: 2, after: 3 },
      { kind: 'same', text: 'c', before: 3, after: 4 },
    ]);
  });

  it('finds the longest run of kept lines, not the first match', () => {
    // Matching the first "a" of the old text to the last of the new would keep one line; LCS keeps three.
    const lines = lineDiff('a\nb\nc\nd', 'x\nb\nc\nd\na');
    expect(lines.filter((l) => l.kind === 'same').map((l) => l.text)).toEqual(['b', 'c', 'd']);
    expect(diffCounts(lines)).toEqual({ added: 2, removed: 1 });
  });

  it('shows everything added against an empty text, and everything removed towards one', () => {
    expect(show(lineDiff('', 'a\nb'))).toEqual(['+ a', '+ b']);
    expect(show(lineDiff('a\nb\n', ''))).toEqual(['- a', '- b']);
    expect(lineDiff('', '')).toEqual([]);
  });

  it('treats CRLF and LF line ends alike, and a final newline as no extra line', () => {
    expect(show(lineDiff('a\r\nb\r\n', 'a\nb'))).toEqual(['  a', '  b']);
  });

  it('keeps repeated lines apart', () => {
    expect(show(lineDiff('x\nx\nx', 'x\nx'))).toEqual(['  x', '  x', '- x']);
  });

  it('reads back both texts from any diff', () => {
    // A fixed pseudo-random walk over a small alphabet: many repeats, many ways to line up.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const text = (length: number) => Array.from({ length }, () => 'abcd'[next() % 4]).join('\n');
      const before = text(next() % 12);
      const after = text(next() % 12);
      const read = sides(lineDiff(before, after));
      expect(read.before.join('\n')).toBe(before);
      expect(read.after.join('\n')).toBe(after);
    }
  });

  it('falls back to removed-then-added for a middle too big to tabulate, and stays correct', () => {
    const before = Array.from({ length: 3000 }, (_, i) => `old ${i}`).join('\n');
    const after = Array.from({ length: 3000 }, (_, i) => `new ${i}`).join('\n');
    const lines = lineDiff(`head\n${before}\ntail`, `head\n${after}\ntail`);
    expect(lines[0]).toEqual({ kind: 'same', text: 'head', before: 1, after: 1 });
    expect(lines.at(-1)).toEqual({ kind: 'same', text: 'tail', before: 3002, after: 3002 });
    expect(diffCounts(lines)).toEqual({ added: 3000, removed: 3000 });
  });
});
