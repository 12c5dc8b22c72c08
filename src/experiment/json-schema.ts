import { z } from 'zod';
import type { Catalog } from './check.js';
import { experimentSchema } from './schema.js';

type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema of experiment files (for editors: `# yaml-language-server: $schema=…`).
 * Generated from the same zod schema the loader uses, then given each fault and probe type's
 * own parameters, so an editor completes `params:` for the type named beside it.
 */
export function experimentJsonSchema(catalog: Catalog): JsonSchema {
  const schema = z.toJSONSchema(experimentSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const faults = [...catalog.faults.values()].map((type) => ({ name: type.name, summary: type.summary, params: paramsSchema(type.params) }));
  const probes = [...catalog.probes.values()].map((type) => ({ name: type.name, summary: type.summary, params: paramsSchema(type.params) }));
  visit(schema, (node) => {
    const properties = node.properties as Record<string, JsonSchema> | undefined;
    if (!properties) return;
    if (properties.fault) typed(node, 'fault', faults);
    if (properties.probe) typed(node, 'probe', probes);
    if (properties.action) typed(node, 'action', probes);
  });
  return { $id: 'https://firedrill.dev/schema/experiment-v1.json', title: 'Firedrill experiment', ...schema };
}

function paramsSchema(params: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(params, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function typed(node: JsonSchema, key: string, types: readonly { name: string; summary: string; params: JsonSchema }[]): void {
  const properties = node.properties as Record<string, JsonSchema>;
  properties[key] = { ...properties[key], enum: types.map((t) => t.name) };
  node.allOf = types.map((type) => ({
    if: { properties: { [key]: { const: type.name } }, required: [key] },
    then: { properties: { params: { description: type.summary, ...type.params } } },
  }));
}

function visit(node: unknown, fn: (node: JsonSchema) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) visit(item, fn);
  } else if (node && typeof node === 'object') {
    fn(node as JsonSchema);
    for (const value of Object.values(node)) visit(value, fn);
  }
}
