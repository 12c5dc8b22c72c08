import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadExperimentText } from '../../src/experiment/load.js';
import { checkDrills } from '../../src/drills/check.js';
import { loadDrillsText } from '../../src/drills/spec.js';
import { referenceMarkdown } from '../../src/experiment/reference.js';
import { faultTypes } from '../../src/faults/index.js';
import { probeTypes } from '../../src/probes/index.js';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeInventory } from '../../src/demo/shop/inventory-file.js';
import { planShop } from '../../src/demo/shop/plan.js';
import { loadInventory } from '../../src/targets/inventory.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const catalog = { faults: faultTypes, probes: probeTypes };

describe('the documentation', () => {
  it('has a reference that matches the fault and probe schemas', () => {
    // Regenerate with: node bin/firedrill.js types --markdown > docs/reference.md
    expect(readFileSync(join(ROOT, 'docs', 'reference.md'), 'utf8')).toBe(referenceMarkdown(catalog));
  });

  it('opens the format reference with an experiment that validates', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'experiments.md'), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const inventory = { file: 'inventory', services: new Map([['catalog', {}]]), proxies: new Map(), agents: new Map() };
    const { experiment } = loadExperimentText('docs/experiments.md', example, { catalog, env: { SHOP_TOKEN: 't' }, inventory });
    expect(experiment.title).toBe('Pause a replica; the shop keeps answering');
  });

  it('ships examples that all validate', () => {
    const files = ['quickstart.yaml', 'pause-a-process.yaml', join('web-service', 'restart-web.yaml')];
    expect(
      readdirSync(join(ROOT, 'examples'))
        .filter((f) => f.endsWith('.yaml'))
        .sort(),
    ).toEqual(['drills.yaml', 'pause-a-process.yaml', 'quickstart.yaml']);
    for (const file of files) {
      const text = readFileSync(join(ROOT, 'examples', file), 'utf8');
      const inventory = { file: 'inventory', services: new Map([['web', {}]]), proxies: new Map(), agents: new Map() };
      expect(() => loadExperimentText(file, text, { catalog, env: {}, vars: { pid: '1' }, inventory })).not.toThrow();
    }
  });

  it('ships a drills file that validates, schedules included', async () => {
    const { file, source } = loadDrillsText('drills.yaml', readFileSync(join(ROOT, 'examples', 'drills.yaml'), 'utf8'));
    expect(file.drills.map((d) => d.name)).toEqual(['catalog-monkey', 'nightly-restore']);
    expect(await checkDrills(file, source, { now: Date.parse('2026-12-01T00:00:00Z'), catalog })).toEqual([]);
  });

  it("ships the demo's drills, which validate against the inventory the demo's shop writes", () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-docs-'));
    try {
      let port = 20000;
      const plan = planShop({ demoId: 'fd00000000', owner: 1, withDatabase: true, port: () => port++ });
      const file = join(dir, 'firedrill.inventory.yaml');
      writeInventory(file, plan, { bin: 'bin/firedrill.js', dir, postgres: { primary: 'primary', replica: 'replica' } });
      const inventory = loadInventory(file);
      const drills = readdirSync(join(ROOT, 'examples', 'demo')).filter((f) => f.endsWith('.yaml'));
      expect(drills).toHaveLength(6);
      for (const drill of drills) {
        const text = readFileSync(join(ROOT, 'examples', 'demo', drill), 'utf8');
        const { experiment } = loadExperimentText(drill, text, { catalog, env: {}, vars: { dump: join(dir, 'backup.dump') }, inventory });
        expect(experiment.title).toMatch(/^\d+b?\. /);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
