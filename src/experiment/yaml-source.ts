import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import type { Problem } from '../errors.js';

export type DocPath = readonly (string | number)[];

/**
 * A parsed YAML file that can say where any field path is (`file:line:col`), so that every
 * problem found later — by zod, by the registries, by reference checks — points at its place.
 */
export class YamlSource {
  private constructor(
    readonly file: string,
    private readonly document: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Parses YAML; syntax errors come back as problems and no source. */
  static parse(file: string, text: string): { source?: YamlSource; data?: unknown; problems: Problem[] } {
    const lines = new LineCounter();
    const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const problems = document.errors.map((error) => {
      const at = lines.linePos(error.pos[0]);
      const message = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.message;
      return { file, line: at.line, col: at.col, path: '', message: `invalid YAML: ${message}` };
    });
    if (problems.length > 0) return { problems };
    return { source: new YamlSource(file, document, lines), data: document.toJS({ maxAliasCount: 100 }) as unknown, problems };
  }

  /**
   * The position of the value at `path`, or of `key` inside the mapping at `path`. A path that
   * does not exist (a missing required key) points at its closest existing ancestor.
   */
  locate(path: DocPath, key?: string): { line: number; col: number } {
    if (key !== undefined) {
      const map: unknown = this.document.getIn(path, true);
      if (isMap(map)) {
        const pair = map.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
        if (pair && isNode(pair.key)) return this.position(pair.key);
      }
    }
    for (let length = path.length; length >= 0; length--) {
      const node = this.nodeAt(path.slice(0, length));
      if (node) return this.position(node);
    }
    return { line: 1, col: 1 };
  }

  problem(path: DocPath, message: string, key?: string): Problem {
    const { line, col } = this.locate(path, key);
    const shown = key === undefined ? path : [...path, key];
    return { file: this.file, line, col, path: formatPath(shown), message };
  }

  private nodeAt(path: DocPath): Node | undefined {
    if (path.length === 0) return isNode(this.document.contents) ? this.document.contents : undefined;
    const parent: unknown = this.document.getIn(path.slice(0, -1), true);
    const last = path[path.length - 1];
    if (isMap(parent)) {
      // Point at the key of a mapping entry: the line a person reads for that field.
      const pair = parent.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(last));
      if (pair && isNode(pair.key)) return pair.key;
      return undefined;
    }
    if (isSeq(parent) && typeof last === 'number') {
      const item = parent.items[last];
      return isNode(item) ? item : undefined;
    }
    return undefined;
  }

  private position(node: Node): { line: number; col: number } {
    const offset = node.range?.[0] ?? 0;
    return this.lines.linePos(offset);
  }
}

/** `method[2].params.signal` */
export function formatPath(path: DocPath): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(part)) text += text ? `.${part}` : part;
    else text += `[${JSON.stringify(part)}]`;
  }
  return text;
}
