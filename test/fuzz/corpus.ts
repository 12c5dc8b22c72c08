import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, parseDocument, Scalar } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import { seededRandom } from '../../src/util/random.js';
import type { Random } from '../../src/util/random.js';
import {
  aliasCases,
  garbageCases,
  longLineCases,
  nestingCases,
  numberCases,
  oddDocuments,
  PROTO_NAMES,
  prototypeCases,
} from './hostile-cases.js';

/**
 * A corpus of hostile experiment files, generated from a seed so that every run checks the same
 * few hundred cases (FIREDRILL_FUZZ_SEED picks another corpus to explore). Each case is a file
 * to validate, optionally with the files it names beside it (an inventory, a --var-file).
 */
export interface FuzzCase {
  readonly category: string;
  readonly name: string;
  readonly content: string | Buffer;
  /** `--var name=value` */
  readonly vars?: readonly string[];
  /** Other files written beside the experiment (name → content), e.g. an inventory. */
  readonly beside?: Readonly<Record<string, string | Buffer>>;
  /** Names of files beside it passed as --var-file. */
  readonly varFiles?: readonly string[];
}

export const SEED = Number(process.env.FIREDRILL_FUZZ_SEED ?? 20261206);

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLES = join(ROOT, 'examples');
const RETYPES = ['42', '-1', 'text', 'true', 'null', '[]', '{}', '[1, 2]', '{ a: 1 }', '1e308', '.nan', '"${nope}"', '"${steps.x.y}"'];

/** Every case, in a fixed order. */
export function fuzzCorpus(seed = SEED): FuzzCase[] {
  const random = seededRandom(seed);
  return [
    ...mutatedExamples(random),
    ...aliasCases(random),
    ...numberCases(random),
    ...prototypeCases(),
    ...garbageCases(random),
    ...nestingCases(),
    ...longLineCases(),
    ...oddDocuments(),
  ];
}

function exampleFiles(): { name: string; text: string; beside: Record<string, string> }[] {
  const found: { name: string; text: string; beside: Record<string, string> }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.yaml') && !entry.name.endsWith('.inventory.yaml')) {
        const inventory = join(dir, 'firedrill.inventory.yaml');
        const beside: Record<string, string> = {};
        try {
          beside['firedrill.inventory.yaml'] = readFileSync(inventory, 'utf8');
        } catch {
          // no inventory next to this example
        }
        found.push({ name: relative(EXAMPLES, path), text: readFileSync(path, 'utf8'), beside });
      }
    }
  };
  walk(EXAMPLES);
  return found;
}

/** Drop, duplicate, retype, swap and rename keys of the shipped examples (and of an inventory). */
function mutatedExamples(random: Random): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const vars = ['pid=1', 'dump=/nonexistent/backup.dump', 'scratch=/tmp'];
  for (const example of exampleFiles()) {
    for (let i = 0; i < 12; i++) {
      const ops = 1 + Math.floor(random() * 3);
      let text = example.text;
      const applied: string[] = [];
      for (let op = 0; op < ops; op++) {
        const [mutated, what] = mutate(text, random);
        text = mutated;
        applied.push(what);
      }
      cases.push({
        category: 'mutated examples',
        name: `${example.name} #${i} (${applied.join(', ')})`,
        content: text,
        vars,
        beside: example.beside,
      });
    }
  }
  const inventory = exampleFiles().find((e) => e.beside['firedrill.inventory.yaml']);
  if (inventory) {
    for (let i = 0; i < 10; i++) {
      const [mutated, what] = mutate(inventory.beside['firedrill.inventory.yaml'] as string, random);
      cases.push({
        category: 'mutated examples',
        name: `${inventory.name} with a mutated inventory #${i} (${what})`,
        content: inventory.text,
        beside: { 'firedrill.inventory.yaml': mutated },
      });
    }
  }
  return cases;
}

function mutate(text: string, random: Random): [string, string] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const kind = pick(['drop', 'duplicate', 'retype', 'swap', 'rename'] as const);
  if (kind === 'duplicate') {
    const lines = text.split('\n');
    const at = Math.floor(random() * lines.length);
    lines.splice(at, 0, lines[at] ?? '');
    return [lines.join('\n'), `duplicate line ${at + 1}`];
  }
  const doc = parseDocument(text);
  const pairs: { map: Node; pair: Pair }[] = [];
  const scalars: Scalar[] = [];
  const visit = (node: unknown) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        pairs.push({ map: node, pair });
        visit(pair.value);
      }
    } else if (isSeq(node)) node.items.forEach(visit);
    else if (isScalar(node)) scalars.push(node);
  };
  visit(doc.contents);
  if (pairs.length === 0) return [text, 'nothing to mutate'];
  const { map, pair } = pick(pairs);
  const key = isScalar(pair.key) ? String(pair.key.value) : '?';
  switch (kind) {
    case 'drop':
      if (isMap(map)) map.items.splice(map.items.indexOf(pair), 1);
      return [stringify(doc), `drop ${key}`];
    case 'retype': {
      const value = pick(RETYPES);
      pair.value = parseDocument(value).contents;
      return [stringify(doc), `${key}: ${value}`];
    }
    case 'swap': {
      const a = pick(scalars);
      const b = pick(scalars);
      [a.value, b.value] = [b.value, a.value];
      return [stringify(doc), `swap ${String(a.value)} and ${String(b.value)}`];
    }
    case 'rename': {
      const name = pick([...PROTO_NAMES, `${key}s`, key.slice(1), key.toUpperCase()]);
      pair.key = new Scalar(name);
      return [stringify(doc), `rename ${key} to ${name}`];
    }
  }
}

function stringify(doc: Document): string {
  try {
    return doc.toString({ lineWidth: 0 });
  } catch {
    return String(doc.contents);
  }
}
