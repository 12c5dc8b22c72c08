import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Alias, Document, Node, Pair, YAMLMap } from 'yaml';
import { errorMessage } from '../errors.js';
import type { Problem } from '../errors.js';
import { checkStructure } from './yaml-structure.js';

export type DocPath = readonly (string | number)[];

/**
 * A parsed YAML file that can say where any field path is (`file:line:col`), so that every
 * problem found later — by zod, by the registries, by reference checks — points at its place.
 *
 * Locating is linear in the depth of the path: each mapping's keys are indexed the first time
 * a path goes through it, so a file with 100,000 problems is not searched 100,000 times.
 */
export class YamlSource {
  private readonly keys = new WeakMap<YAMLMap, Map<string, Pair>>();

  private constructor(
    readonly file: string,
    private readonly document: Document.Parsed,
    private readonly lines: LineCounter,
    /** Where each alias points: a path through an alias is located inside what it repeats. */
    private readonly aliases: ReadonlyMap<Alias, Node>,
  ) {}

  /**
   * Parses YAML; syntax errors and what YAML allows but a document must not hold (unknown or
   * recursive aliases, alias bombs, nesting deeper than 100 levels, repeated keys, `__proto__`
   * or collections as keys, numbers that are not finite) come back as located problems and no
   * source.
   */
  static parse(file: string, text: string): { source?: YamlSource; data?: unknown; problems: Problem[] } {
    const lines = new LineCounter();
    const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, logLevel: 'error' });
    const problems = document.errors.map((error) => {
      const at = lines.linePos(error.pos[0]);
      return { file, line: at.line, col: at.col, path: '', message: `invalid YAML: ${syntaxMessage(error.message)}` };
    });
    if (problems.length > 0) return { problems };
    const structure = checkStructure(document);
    const source = new YamlSource(file, document, lines, structure.aliases);
    if (structure.problems.length > 0) {
      return { problems: structure.problems.map((p) => ({ ...source.at(p.node), file, path: formatPath(p.path), message: p.message })) };
    }
    try {
      // Aliases were resolved and their expansion bounded by checkStructure.
      return { source, data: document.toJS({ maxAliasCount: -1 }) as unknown, problems };
    } catch (error) {
      return { problems: [{ file, line: 1, col: 1, path: '', message: `invalid YAML: ${errorMessage(error)}` }] };
    }
  }

  /**
   * The position of the value at `path`, or of `key` inside the mapping at `path`. A path that
   * does not exist (a missing required key) points at its closest existing ancestor.
   */
  locate(path: DocPath, key?: string): { line: number; col: number } {
    if (key !== undefined) {
      const map = this.resolve(this.valueAt(path));
      const pair = isMap(map) ? this.pairOf(map, key) : undefined;
      if (pair && isNode(pair.key)) return this.at(pair.key);
    }
    for (let length = path.length; length >= 0; length--) {
      const node = this.nodeAt(path.slice(0, length));
      if (node) return this.at(node);
    }
    return { line: 1, col: 1 };
  }

  problem(path: DocPath, message: string, key?: string): Problem {
    const { line, col } = this.locate(path, key);
    const shown = key === undefined ? path : [...path, key];
    return { file: this.file, line, col, path: formatPath(shown), message };
  }

  /** The node at `path`; for a mapping entry its key, the line a person reads for that field. */
  private nodeAt(path: DocPath): Node | undefined {
    if (path.length === 0) return isNode(this.document.contents) ? this.document.contents : undefined;
    const parent = this.resolve(this.valueAt(path.slice(0, -1)));
    const last = path[path.length - 1] as string | number;
    if (isMap(parent)) {
      const pair = this.pairOf(parent, String(last));
      return pair && isNode(pair.key) ? pair.key : undefined;
    }
    if (isSeq(parent) && typeof last === 'number') {
      const item: unknown = parent.items[last];
      return isNode(item) ? item : undefined;
    }
    return undefined;
  }

  private valueAt(path: DocPath): unknown {
    let node: unknown = this.document.contents;
    for (const part of path) {
      const container = this.resolve(node);
      if (isMap(container)) node = this.pairOf(container, String(part))?.value;
      else if (isSeq(container) && typeof part === 'number') node = container.items[part];
      else return undefined;
    }
    return node;
  }

  private resolve(node: unknown): unknown {
    return isAlias(node) ? this.aliases.get(node) : node;
  }

  private pairOf(map: YAMLMap, key: string): Pair | undefined {
    let index = this.keys.get(map);
    if (!index) {
      index = new Map();
      for (const pair of map.items) {
        const name = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (name !== undefined && !index.has(name)) index.set(name, pair);
      }
      this.keys.set(map, index);
    }
    return index.get(key);
  }

  private at(node: Node): { line: number; col: number } {
    return this.lines.linePos(node.range?.[0] ?? 0);
  }
}

/** The first line of a YAML error, without the position the problem carries anyway. */
function syntaxMessage(message: string): string {
  // The composer catches a stack overflow on very deep nesting and reports it as an error.
  if (/Maximum call stack size exceeded/.test(message)) return 'nested too deeply (a document may nest at most 100 levels)';
  return message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? message;
}

/** `method[2].params.signal` */
export function formatPath(path: DocPath): string {
  let text = '';
  for (const part of path) {
    // A 100 KB key stays readable in a message: its first 40 characters name it.
    const shown = typeof part === 'string' && part.length > 40 ? `${part.slice(0, 40)}…` : part;
    if (typeof shown === 'number') text += `[${shown}]`;
    else if (/^[A-Za-z_][\w-]*\u2026?$/.test(shown)) text += text ? `.${shown}` : shown;
    else text += `[${JSON.stringify(shown)}]`;
  }
  return text;
}
