import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { DemoResult } from '../demo/demo.js';
import { ValidationError } from '../errors.js';
import { checkDrills } from '../drills/check.js';
import { drillKind, loadDrillsText } from '../drills/spec.js';
import { instantToLocal } from '../drills/schedule/index.js';
import { loadCatalog } from '../runs/catalog.js';
import type { RunningServer } from '../server/serve.js';

const MINUTE = 60_000;

/**
 * After the demo's six drills, with `--ui`: drills as routine on the demo's shop, in the
 * dashboard's calendar — an unannounced monkey that switches off one opted-in catalog replica at
 * a random moment of a short window starting in a minute (skipped if the gateway is not steady),
 * and, with a database, the nightly backup restore at 02:00. Returns what to tell the user.
 */
export async function scheduleDemoDrills(server: RunningServer, result: DemoResult, examples: string): Promise<string> {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const now = server.drills.now();
  const from = instantToLocal(zone, Math.ceil((now + MINUTE) / MINUTE) * MINUTE);
  const to = instantToLocal(zone, Math.ceil((now + MINUTE) / MINUTE) * MINUTE + 2 * MINUTE);
  const hhmm = (t: { hour: number; minute: number }) => `${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')}`;
  if (to.hour < from.hour) return 'It is nearly midnight: the demo schedules no drill across it. Run it again after 00:05.';
  const { shop } = result;
  const drills: Record<string, unknown>[] = [
    {
      name: 'catalog-monkey',
      title: 'A catalog replica is switched off (the monkey)',
      team: 'shop',
      announcement: 'unannounced',
      facilitator: 'admin',
      schedule: { window: { allowed: [{ timezone: zone, from: hhmm(from), to: hhmm(to) }], every: 'day', count: 1, seed: now % 100_000 } },
      monkey: {
        fault: 'process-kill',
        params: { signal: 'SIGKILL', restart: true },
        duration: '5s',
        targets: { labels: { app: 'catalog' } },
        hypothesis: {
          probes: [{ name: 'gateway-steady', probe: 'http', params: { url: `${shop.gatewayUrl}/products`, timeout: '2s' } }],
        },
      },
    },
  ];
  const restore = shop.postgres && join(examples, '3-backups-are-real.yaml');
  if (restore && shop.postgres) {
    const { store } = server;
    if (!(await store.experiments.findByName('backups-are-real'))) {
      const yaml = readFileSync(restore, 'utf8');
      await store.experiments.create({ name: 'backups-are-real', title: '3. Backups are real', yaml, secret: false, author: 'demo' });
    }
    const pg = shop.postgres;
    drills.push({
      name: 'nightly-restore',
      title: "Last night's backup restores and verifies",
      team: 'data',
      announcement: 'announced',
      facilitator: 'admin',
      experiment: 'backups-are-real',
      vars: { pgHost: pg.primary.host, pgPort: String(pg.primary.port), pgUser: pg.user, pgDatabase: pg.database },
      schedule: { cron: '0 2 * * *', timezone: zone },
      expectedEvery: '2d',
    });
  }
  const text = stringify({ drills });
  const { file, source, texts } = loadDrillsText('demo-drills.yaml', text);
  const problems = await checkDrills(file, source, {
    now,
    catalog: await loadCatalog(),
    experimentText: async (name) => {
      const found = await server.store.experiments.findByName(name);
      return found && (await server.store.experiments.versions(found.id, found.version))[0]?.yaml;
    },
  });
  if (problems.length > 0) throw new ValidationError(problems);
  for (const [i, spec] of file.drills.entries()) {
    await server.store.drills.apply({
      name: spec.name,
      title: spec.title ?? spec.name,
      team: spec.team,
      kind: drillKind(spec),
      announcement: spec.announcement,
      facilitator: spec.facilitator ?? 'admin',
      spec,
      yaml: texts[i] ?? '',
      author: 'demo',
    });
  }
  return (
    `Drills as routine: an unannounced monkey switches off one catalog replica at a random moment between ${hhmm(from)} and ${hhmm(to)} ` +
    `(${zone}), unless the gateway is not steady; see Drills and Runs in the dashboard.` +
    (restore ? ' The nightly backup restore is in the calendar at 02:00.' : '')
  );
}
