import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Alias, Document, Node } from 'yaml';

/** Deeper than this is not an experiment, and would overflow the stack of whatever reads it. */
export const MAX_DEPTH = 100;
/** Values that aliases may add to a document in all (`&a [x, x]` repeated by `*a` adds 3). */
export const MAX_ALIAS_VALUES = 10_000;

type DocPath = readonly (string | number)[];

export interface StructureProblem {
  readonly node: Node;
  readonly path: DocPath;
  readonly message: string;
}

/** What a visited value amounts to once aliases are expanded. */
interface Extent {
  /** Values, itself included. */
  size: number;
  /** Levels, itself included: 1 for a scalar. */
  height: number;
}

interface Frame extends Extent {
  readonly node: Node;
  readonly path: DocPath;
  readonly depth: number;
  readonly children: readonly [key: string | number, child: unknown][];
  next: number;
}

const LEAF: Extent = { size: 1, height: 1 };

/**
 * What YAML allows but an input file must not hold, checked on the parsed document before it
 * becomes data: aliases that point nowhere, into themselves, or that multiply the document
 * ("billion laughs"); nesting deeper than MAX_DEPTH, written out or through aliases; keys that
 * are collections, aliases, repeated, or `__proto__` (which a JavaScript object cannot hold as an
 * ordinary key); numbers that are not finite (`.inf`, `.nan`, `1e400`). Iterative, so that
 * 10,000 levels cannot overflow the stack; linear in the size of the document.
 *
 * Aliases resolve the way the `yaml` package resolves them: to the last node with that anchor
 * before the alias, in document order.
 */
export function checkStructure(document: Document.Parsed): { problems: StructureProblem[]; aliases: Map<Alias, Node> } {
  const problems: StructureProblem[] = [];
  const aliases = new Map<Alias, Node>();
  const anchors = new Map<string, Node>();
  const extents = new Map<Node, Extent>();
  const open = new Set<Node>();
  let added = 0;
  let bombReported = false;

  // A node's path is built only when it is needed (a problem, a collection): a file of 100,000
  // values should not allocate 100,000 paths.
  const enter = (value: unknown, parent: DocPath, key: string | number | undefined, depth: number): Frame | Extent => {
    if (!isScalar(value) && !isMap(value) && !isSeq(value) && !isAlias(value)) return { size: 0, height: 0 };
    const node = value;
    const pathOf = () => (key === undefined ? parent : [...parent, key]);
    if (isAlias(node)) return alias(node, pathOf, depth);
    if (node.anchor !== undefined) anchors.set(node.anchor, node);
    if (isScalar(node)) {
      if (typeof node.value === 'number' && !Number.isFinite(node.value))
        problems.push({ node, path: pathOf(), message: `expected a finite number, got ${cut(node.source ?? String(node.value))}` });
      return LEAF;
    }
    const path = pathOf();
    if (depth > MAX_DEPTH) {
      problems.push({ node, path, message: `nested more than ${MAX_DEPTH} levels deep` });
      return LEAF;
    }
    open.add(node);
    return { node, path, depth, children: childrenOf(node, path), next: 0, size: 1 + (isMap(node) ? node.items.length : 0), height: 1 };
  };

  const childrenOf = (node: Node, path: DocPath): [string | number, unknown][] => {
    const children: [string | number, unknown][] = [];
    if (isSeq(node)) node.items.forEach((item, index) => children.push([index, item]));
    if (!isMap(node)) return children;
    // Repeated keys are found here, with a set, rather than by the parser (uniqueKeys), which
    // compares each key with every earlier one: quadratic in a mapping of 100,000 keys.
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = pair.key;
      if (!isScalar(key)) {
        const at = (isAlias(key) || isMap(key) || isSeq(key) ? key : node) as Node;
        problems.push({ node: at, path, message: 'a key must be plain text or a number, not a list, a mapping or an alias' });
        continue;
      }
      if (key.anchor !== undefined) anchors.set(key.anchor, key);
      const name = String(key.value);
      if (name === '__proto__')
        problems.push({ node: key, path: [...path, name], message: '"__proto__" cannot be used as a key or a name' });
      if (seen.has(name))
        problems.push({ node: key, path: [...path, name], message: `"${cut(name)}" appears twice in this mapping; keep one` });
      seen.add(name);
      children.push([name, pair.value]);
    }
    return children;
  };

  const alias = (node: Alias, pathOf: () => DocPath, depth: number): Extent => {
    const target = anchors.get(node.source);
    const problem = (message: string) => problems.push({ node, path: pathOf(), message });
    if (target === undefined) {
      problem(`unknown alias *${node.source}: an alias repeats a value marked earlier in the file with &${node.source}`);
      return LEAF;
    }
    if (open.has(target)) {
      problem(`alias *${node.source} is inside the value it repeats (&${node.source}), so it would never end`);
      return LEAF;
    }
    aliases.set(node, target);
    const extent = extents.get(target) ?? LEAF;
    added += extent.size;
    if (added > MAX_ALIAS_VALUES && !bombReported) {
      bombReported = true;
      problem(`aliases expand this file to more than ${MAX_ALIAS_VALUES} values; repeat less, or write the values out`);
    }
    // Written out, the repeated value would sit here: its levels count from this depth.
    if (depth + extent.height - 1 > MAX_DEPTH + 1) {
      problem(`alias *${node.source} nests the file more than ${MAX_DEPTH} levels deep`);
      return LEAF;
    }
    return extent;
  };

  const root = enter(document.contents, [], undefined, 1);
  if (!('node' in root)) return { problems, aliases };
  const stack: Frame[] = [root];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    if (frame.next < frame.children.length) {
      const [key, child] = frame.children[frame.next++] as [string | number, unknown];
      const entered = enter(child, frame.path, key, frame.depth + 1);
      if ('node' in entered) stack.push(entered);
      else add(frame, entered);
      continue;
    }
    stack.pop();
    open.delete(frame.node);
    if (frame.node.anchor !== undefined) extents.set(frame.node, { size: frame.size, height: frame.height });
    const parent = stack[stack.length - 1];
    if (parent) add(parent, frame);
  }
  return { problems, aliases };
}

function add(parent: Extent, child: Extent): void {
  parent.size += child.size;
  parent.height = Math.max(parent.height, child.height + 1);
}

function cut(text: string): string {
  return text.length > 20 ? `${text.slice(0, 20)}…` : text;
}
