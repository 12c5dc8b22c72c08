import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { faultTypes } from '../../src/faults/index.js';

describe('fault registry', () => {
  it('holds the process, host, proxy and HTTP fault types and the security techniques by name', () => {
    expect([...faultTypes.keys()].sort()).toEqual([
      'backdoor-listener',
      'brute-force',
      'canary-credentials',
      'cpu-stress',
      'cron-persistence',
      'disk-fill',
      'http-abort',
      'http-delay',
      'http-exfiltration',
      'local-account',
      'memory-pressure',
      'process-kill',
      'process-pause',
      'process-restart',
      'proxy-bandwidth',
      'proxy-blackhole',
      'proxy-down',
      'proxy-latency',
      'proxy-limit-data',
      'proxy-reset',
      'proxy-slicer',
      'proxy-slow-close',
      'service-scan',
      'ssh-authorized-key',
      'systemd-service',
      'web-shell',
    ]);
    for (const [name, type] of faultTypes) expect(type.name).toBe(name);
  });

  it('exports every parameter schema to JSON Schema, strict and described', () => {
    for (const type of faultTypes.values()) {
      // io: 'input' documents what a user writes (`5s`, `512MiB`), not the parsed numbers
      const schema = z.toJSONSchema(type.params, { io: 'input' }) as {
        additionalProperties?: boolean;
        properties?: Record<string, { description?: string }>;
      };
      expect(schema.additionalProperties, type.name).toBe(false);
      for (const [field, property] of Object.entries(schema.properties ?? {})) {
        expect(property.description, `${type.name}.${field}`).toBeTruthy();
      }
    }
  });
});
