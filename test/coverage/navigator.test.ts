import { describe, expect, it } from 'vitest';
import { coverageOf } from '../../src/coverage/coverage.js';
import { attackNumber, navigatorLayer } from '../../src/coverage/navigator.js';
import type { TechniqueObservation } from '../../src/coverage/observation.js';

const run = (techniqueId: string, outcome: TechniqueObservation['outcome'], ttdMs?: number): TechniqueObservation => ({
  techniqueId,
  at: Date.parse('2026-12-01T10:00:00Z'),
  source: { kind: 'run', id: `r-${techniqueId}`, title: 'persistence drill' },
  outcome,
  ...(ttdMs !== undefined && { ttdMs }),
});

const HEX = /^#[0-9a-f]{6}$/i;

/**
 * The required fields of a layer file and of its objects, as layer format 4.5 defines them
 * (mitre-attack/attack-navigator, layers/spec/v4.5/layerformat.md): a layer the Navigator
 * would refuse to open fails here.
 */
function layerProblems(layer: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, what: string) => void (ok || problems.push(what));
  need(typeof layer.name === 'string' && layer.name.length > 0, 'name: a string');
  need(['enterprise-attack', 'mobile-attack', 'ics-attack'].includes(layer.domain as string), 'domain');
  const versions = layer.versions as Record<string, unknown> | undefined;
  need(versions?.layer === '4.5', 'versions.layer: "4.5"');
  const [major = 0, minor = 0] = (typeof versions?.navigator === 'string' ? versions.navigator : '').split('.').map(Number);
  need(major > 4 || (major === 4 && minor >= 9), 'versions.navigator: at least 4.9.0');
  need(/^\d+(\.\d+)?$/.test(String(versions?.attack)), 'versions.attack: a version number');
  const techniques = layer.techniques as Record<string, unknown>[];
  need(Array.isArray(techniques), 'techniques: an array');
  for (const t of techniques) {
    need(typeof t.techniqueID === 'string' && /^T\d{4}(\.\d{3})?$/.test(t.techniqueID), `techniqueID ${String(t.techniqueID)}`);
    need(t.score === undefined || typeof t.score === 'number', `${String(t.techniqueID)}.score: a number`);
    need(t.color === undefined || (typeof t.color === 'string' && HEX.test(t.color)), `${String(t.techniqueID)}.color: hex`);
    need(
      t.tactic === undefined || (typeof t.tactic === 'string' && /^[a-z-]+$/.test(t.tactic)),
      `${String(t.techniqueID)}.tactic: a shortname`,
    );
    need(typeof t.enabled === 'boolean', `${String(t.techniqueID)}.enabled: a boolean`);
    for (const m of (t.metadata as Record<string, unknown>[] | undefined) ?? [])
      need(typeof m.name === 'string' && typeof m.value === 'string', `${String(t.techniqueID)}.metadata: name and value`);
  }
  const gradient = layer.gradient as { colors: unknown[]; minValue: number; maxValue: number };
  need(
    Array.isArray(gradient.colors) && gradient.colors.length >= 2 && gradient.colors.every((c) => HEX.test(String(c))),
    'gradient.colors',
  );
  need(typeof gradient.minValue === 'number' && gradient.maxValue > gradient.minValue, 'gradient: maxValue > minValue');
  for (const item of layer.legendItems as Record<string, unknown>[])
    need(typeof item.label === 'string' && HEX.test(String(item.color)), 'legendItems: label and color');
  return problems;
}

describe('the ATT&CK Navigator layer', () => {
  const report = coverageOf([
    run('T1053.003', 'detected', 42_000),
    run('T1505.003', 'late', 400_000),
    run('T1571', 'missed'),
    run('T1046', 'not-measured'),
  ]);
  const layer = navigatorLayer(report, { generatedAt: Date.parse('2026-12-06T12:00:00Z') });

  it('holds every required field of layer format 4.5, through JSON', () => {
    expect(layerProblems(JSON.parse(JSON.stringify(layer)) as Record<string, unknown>)).toEqual([]);
    expect(layer.versions).toEqual({ attack: '16', navigator: '5.1.0', layer: '4.5' });
  });

  it('names sub-techniques by their full id and colours each technique by its status', () => {
    const byId = new Map(layer.techniques.map((t) => [t.techniqueID, t]));
    expect(byId.get('T1053.003')).toMatchObject({ score: 100, color: '#31a354', enabled: true });
    expect(byId.get('T1053.003')?.comment).toMatch(/detected at the latest measured drill; 1 drill\(s\).*median time to detect 42s/);
    expect(byId.get('T1505.003')).toMatchObject({ score: 50, color: '#fdae6b' });
    expect(byId.get('T1571')).toMatchObject({ score: 0, color: '#de2d26' });
    expect(byId.get('T1046')?.score).toBeUndefined();
    expect(byId.get('T1098.004')).toMatchObject({ color: '#d9d9d9', comment: expect.stringMatching(/never detonated/) });
    expect(byId.get('T1098.004')?.score).toBeUndefined();
    expect(byId.get('T1053.003')?.metadata).toContainEqual({ name: 'median time to detect', value: '42s' });
  });

  it('has a legend of the five statuses', () => {
    expect(layer.legendItems.map((l) => l.label)).toEqual(['detected', 'detected late', 'missed', 'tested, not measured', 'never tested']);
  });

  it('takes the ATT&CK version number from the data file’s words', () => {
    expect(attackNumber('ATT&CK Enterprise v16')).toBe('16');
    expect(attackNumber('ATT&CK Enterprise v15.1')).toBe('15.1');
  });
});
