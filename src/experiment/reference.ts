import { z } from 'zod';
import type { Catalog } from './catalog.js';

type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
};

export interface ParamDoc {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly default?: unknown;
  readonly description: string;
}

export interface TypeDoc {
  readonly kind: 'fault' | 'probe';
  readonly name: string;
  readonly summary: string;
  /** Faults: the target kind; probes: the default field and tolerance. */
  readonly notes: string;
  readonly params: readonly ParamDoc[];
}

/** Every fault and probe type with its parameters, read from the same zod schemas the loader uses. */
export function describeTypes(catalog: Catalog): TypeDoc[] {
  const faults = [...catalog.faults.values()].map((type): TypeDoc => ({
    kind: 'fault',
    name: type.name,
    summary: type.summary,
    notes:
      `target: ${type.targetKind}${type.targetKind === 'host' ? ' (defaults to the local host)' : ''}` +
      (type.reversible ? '' : ' · irreversible: revert restarts what it can, verify reports what it checked') +
      (type.attack
        ? ` · ATT&CK ${type.attack.id} (${type.attack.name}) · touches: ${type.attack.touches} · needs: ${type.attack.prerequisites}` +
          ` · a defender should see: ${type.attack.telemetry.join('; ')}`
        : ''),
    params: paramsOf(type.params),
  }));
  const probes = [...catalog.probes.values()].map((type): TypeDoc => ({
    kind: 'probe',
    name: type.name,
    summary: type.summary,
    notes: `output: ${type.fields.join(', ')} · default field: ${type.defaultField} · default tolerance: ${JSON.stringify(type.defaultTolerance)}`,
    params: paramsOf(type.params),
  }));
  return [...faults, ...probes];
}

function paramsOf(schema: z.ZodType): ParamDoc[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    type: typeName(property),
    required: required.has(name) && property.default === undefined,
    ...(property.default !== undefined ? { default: property.default } : {}),
    description: property.description ?? '',
  }));
}

function typeName(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (schema.anyOf) return [...new Set(schema.anyOf.map(typeName))].join(' or ');
  if (Array.isArray(schema.type)) return schema.type.join(' or ');
  if (schema.type === 'array') return `list of ${schema.items ? typeName(schema.items) : 'values'}`;
  if (schema.type === 'object') return 'mapping';
  return schema.type ?? 'any';
}

/** docs/reference.md — regenerate with `firedrill types --markdown > docs/reference.md`. */
export function referenceMarkdown(catalog: Catalog): string {
  const docs = describeTypes(catalog);
  const section = (kind: TypeDoc['kind']) =>
    docs
      .filter((d) => d.kind === kind)
      .map((d) => {
        const rows = d.params.map(
          (p) =>
            `| \`${p.name}\` | ${p.type} | ${p.required ? 'yes' : p.default !== undefined ? `\`${JSON.stringify(p.default)}\`` : 'no'} | ${p.description.replace(/\|/g, '\\|')} |`,
        );
        const table = rows.length
          ? ['| parameter | type | required / default | meaning |', '|---|---|---|---|', ...rows].join('\n')
          : '_No parameters._';
        return `### \`${d.name}\`\n\n${d.summary}\n\n${d.notes}\n\n${table}\n`;
      })
      .join('\n');
  return `# Fault and probe reference

Generated from the parameter schemas by \`firedrill types --markdown\`; do not edit by hand.
Durations are written \`250ms\`, \`5s\`, \`2m\` or as a number of seconds. The experiment format
itself is described in [experiments.md](experiments.md).

## Faults

${section('fault')}
## Probes (also usable as actions)

${section('probe')}`;
}
