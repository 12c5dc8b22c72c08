// The layers of DESIGN.md, held by lint (docs/architecture.md explains each row). A file may
// import from its own row or any row below, never from a row above; a few rows add rules of
// their own (FORBIDDEN). Relative imports are resolved, so a folder named like a layer inside
// another one (agent-daemon/http) is never mistaken for it. Type-only and dynamic imports count.
import path from 'node:path';

/** The row of the run engine, its plugins, transports and renderers. */
const ENGINE_ROW = [
  'engine',
  'agent-client',
  'agent-protocol',
  'server-client',
  'report',
  'targets',
  'faults',
  'techniques',
  'coverage',
  'probes',
  'expectations',
  'toxiproxy',
  'postgres',
];

/** Top to bottom; `errors` is src/errors.ts. */
export const LAYERS = [
  ['cli'],
  ['server', 'web'],
  ['demo', 'drills', 'gamedays', 'phishing'],
  ['runs', 'store', 'agent-daemon'],
  ENGINE_ROW,
  ['experiment', 'proxy'],
  ['util', 'errors'],
];

/** Imports refused even though the rows allow them, with the reason given to the developer. */
export const FORBIDDEN = {
  engine: {
    folders: ENGINE_ROW.filter((folder) => folder !== 'engine'),
    why: 'the engine knows interfaces (fault, probe, executor, observer), never a plugin, a transport or a renderer',
  },
  'agent-protocol': { folders: ['agent-client'], why: 'the contract between the agent sides depends on neither' },
  proxy: { folders: ['experiment'], why: 'the fault proxy depends only on errors and util' },
  experiment: { folders: ['proxy'], why: 'the experiment format depends only on errors and util' },
  web: {
    folders: ['cli', 'demo', 'drills', 'runs', 'store', 'agent-daemon', 'agent-client'],
    why: 'the dashboard imports only the API types and shared schemas',
  },
};

/** Folders only some others may import. */
export const ONLY_FROM = {
  demo: { importers: ['cli'], why: 'only commands start the demo' },
};

const rowOf = new Map(LAYERS.flatMap((row, index) => row.map((name) => [name, index])));

/** `engine` for src/engine/run.ts, `errors` for src/errors.ts, undefined outside src/. */
export function layerOf(file, srcRoot) {
  const relative = path.relative(srcRoot, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  const [first] = relative.split(path.sep);
  return first.replace(/\.[cm]?[jt]sx?$/, '');
}

/** Why `from` may not import `to`, or undefined when it may. */
export function refusal(from, to) {
  if (from === to || from === undefined || to === undefined) return undefined;
  const fromRow = rowOf.get(from);
  const toRow = rowOf.get(to);
  if (fromRow === undefined) return `src/${from} is in no layer: add it to LAYERS in eslint/layers.js and to docs/architecture.md`;
  if (toRow === undefined) return `src/${to} is in no layer: add it to LAYERS in eslint/layers.js and to docs/architecture.md`;
  if (toRow < fromRow) return `${from} (layer ${fromRow + 1}) may not import ${to} (layer ${toRow + 1}, above it)`;
  const forbidden = FORBIDDEN[from];
  if (forbidden?.folders.includes(to)) return `${from} may not import ${to}: ${forbidden.why}`;
  const only = ONLY_FROM[to];
  if (only && !only.importers.includes(from)) return `${from} may not import ${to}: ${only.why}`;
  return undefined;
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports follow the layers of DESIGN.md (see docs/architecture.md).' },
    schema: [{ type: 'object', properties: { srcRoot: { type: 'string' } }, additionalProperties: false }],
    messages: { crossing: '{{reason}} (docs/architecture.md).' },
  },
  create(context) {
    const srcRoot = context.options[0]?.srcRoot ?? path.join(context.cwd, 'src');
    const file = context.filename;
    const from = layerOf(file, srcRoot);
    if (from === undefined) return {};
    const check = (node, source) => {
      if (!source || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      const to = layerOf(path.resolve(path.dirname(file), source.value), srcRoot);
      const reason = refusal(from, to);
      if (reason) context.report({ node, messageId: 'crossing', data: { reason } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source : undefined),
      TSImportType: (node) => check(node, node.argument?.literal ?? node.argument),
    };
  },
};

export default { meta: { name: 'firedrill-layers' }, rules: { layers: rule } };
