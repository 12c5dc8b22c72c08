import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileTolerance } from '../../src/experiment/tolerance.js';
import { probeTypes } from '../../src/probes/index.js';

describe('probe registry', () => {
  it('holds http, tcp, command, availability and postgres-restore under their own names', () => {
    expect([...probeTypes.keys()]).toEqual(['http', 'tcp', 'command', 'availability', 'postgres-restore']);
    for (const [name, probe] of probeTypes) expect(probe.name).toBe(name);
  });

  it.each([...probeTypes.values()])('gives $name a default field among its fields and a valid default tolerance', (probe) => {
    expect(probe.fields).toContain(probe.defaultField);
    expect(compileTolerance(probe.defaultTolerance, probe).problems).toEqual([]);
  });

  it.each([...probeTypes.values()])('describes every parameter of $name in its JSON Schema', (probe) => {
    const schema = z.toJSONSchema(probe.params, { io: 'input' }) as { properties: Record<string, { description?: string }> };
    for (const [key, property] of Object.entries(schema.properties)) expect(property.description, key).toBeTruthy();
  });
});
