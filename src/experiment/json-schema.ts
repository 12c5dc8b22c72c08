import { z } from 'zod';
import type { Catalog } from './catalog.js';
import { experimentSchema } from './schema.js';

type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema of experiment files (for editors: `# yaml-language-server: $schema=…`).
 * Generated from the same zod schema the loader uses, then given each fault and probe type's
 * own parameters, so an editor completes `params:` for the type named beside it.
 */
export function experimentJsonSchema(catalog: Catalog): JsonSchema {
  const schema = z.toJSONSchema(experimentSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  // Each type's parameters once, under $defs; every place that names a type refers to them.
  const defs: Record<string, JsonSchema> = {};
  const define = (kind: string, type: { name: string; summary: string; params: z.ZodType }) => {
    defs[`${kind}-${type.name}`] = { description: type.summary, ...paramsSchema(type.params) };
    return { name: type.name, ref: `#/$defs/${kind}-${type.name}` };
  };
  const faults = [...catalog.faults.values()].map((type) => define('fault', type));
  const probes = [...catalog.probes.values()].map((type) => define('probe', type));
  // Collect first, then change: the conditions added below hold `properties.fault` themselves.
  const nodes: JsonSchema[] = [];
  visit(schema, (node) => nodes.push(node), new WeakSet());
  for (const node of nodes) {
    const properties = node.properties as Record<string, JsonSchema> | undefined;
    if (!properties) continue;
    if (properties.fault) typed(node, 'fault', faults);
    if (properties.probe) typed(node, 'probe', probes);
    if (properties.action) typed(node, 'action', probes);
  }
  return { $id: 'https://firedrill.dev/schema/experiment-v1.json', title: 'Firedrill experiment', ...schema, $defs: defs };
}

function paramsSchema(params: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(params, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function typed(node: JsonSchema, key: string, types: readonly { name: string; ref: string }[]): void {
  const properties = node.properties as Record<string, JsonSchema>;
  properties[key] = { ...properties[key], enum: types.map((t) => t.name) };
  node.allOf = types.map((type) => ({
    if: { properties: { [key]: { const: type.name } }, required: [key] },
    then: { properties: { params: { $ref: type.ref } } },
  }));
}

function visit(node: unknown, fn: (node: JsonSchema) => void, seen: WeakSet<object>): void {
  if (!node || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  if (Array.isArray(node)) {
    for (const item of node) visit(item, fn, seen);
    return;
  }
  fn(node as JsonSchema);
  for (const value of Object.values(node)) visit(value, fn, seen);
}
