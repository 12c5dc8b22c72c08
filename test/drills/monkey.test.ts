import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { monkeyCandidates, monkeyExperiment, monkeySchema } from '../../src/drills/kinds/monkey.js';
import { loadExperimentText } from '../../src/experiment/load.js';
import { loadCatalog } from '../../src/runs/catalog.js';
import { LocalDiscovery } from '../../src/targets/discovery.js';
import { loadInventory } from '../../src/targets/inventory.js';

// Three catalog replicas, real processes; only one carries the opt-in label.
describe('the monkey draws only opted-in targets', () => {
  let dir: string;
  const replicas: ChildProcess[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fd-monkey-'));
    const services: Record<string, unknown> = {};
    for (const name of ['catalog-1', 'catalog-2', 'catalog-3']) {
      const child = spawn('sleep', ['600', name === 'catalog-2' ? '2' : name === 'catalog-3' ? '3' : '1'], { stdio: 'ignore' });
      replicas.push(child);
      services[name] = {
        labels: { app: 'catalog', ...(name === 'catalog-2' && { 'firedrill/opt-in': 'true' }) },
        process: { cmdline: `^sleep 600 ${name.slice(-1)}$` },
      };
    }
    writeFileSync(join(dir, 'firedrill.inventory.yaml'), stringify({ services }));
  });

  afterAll(() => {
    for (const child of replicas) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('never resolves a service without the label, whatever the blast radius', async () => {
    const inventory = loadInventory(join(dir, 'firedrill.inventory.yaml'));
    const catalog = await loadCatalog();
    for (const pick of ['one', { percent: 100 }, { count: 3 }] as const) {
      const monkey = monkeySchema.parse({ fault: 'process-kill', duration: '5s', targets: { labels: { app: 'catalog' } }, pick });
      const text = stringify(monkeyExperiment(monkey, 'monkey'));
      const { experiment } = loadExperimentText('monkey.yaml', text, { catalog, env: {} });
      const victim = experiment.targets.victim;
      if (!victim) throw new Error('no victim target');
      const found = await new LocalDiscovery(inventory).discover('victim', victim);
      expect(found.map((t) => (t.kind === 'process' ? t.service : t.name))).toEqual(['catalog-2']);
      expect(found.map((t) => (t.kind === 'process' ? t.pid : 0))).toEqual([replicas[1]?.pid]);
    }
    expect(
      monkeyCandidates(monkeySchema.parse({ fault: 'process-pause', duration: '1s', targets: { labels: { app: 'catalog' } } }), inventory),
    ).toEqual([{ kind: 'process', name: 'catalog-2' }]);
  });

  it('refuses a host fault (hosts carry no opt-in label) and takes another opt-in label when told', () => {
    expect(() => monkeyExperiment(monkeySchema.parse({ fault: 'cpu-stress', duration: '1s' }), 'm')).toThrow(/host fault/);
    const custom = monkeySchema.parse({ fault: 'process-kill', duration: '1s', optIn: { label: 'chaos', value: 'yes' } });
    expect(monkeyExperiment(custom, 'm')).toMatchObject({
      targets: { victim: { kind: 'process', selector: { labels: { chaos: 'yes' } } } },
    });
  });
});
