import type { Hono } from 'hono';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { FiredrillError, UserError, ValidationError } from '../../errors.js';
import { checkDrills } from '../../drills/check.js';
import { drillDebt } from '../../drills/debt.js';
import { storedBlackouts } from '../../drills/scheduler.js';
import { monkeyCandidates, monkeyGroups } from '../../drills/kinds/monkey.js';
import type { Inventory } from '../../targets/inventory.js';
import type { Blackout } from '../../drills/schedule/index.js';
import { drillKind, loadDrillsText } from '../../drills/spec.js';
import type { DrillSpec } from '../../drills/spec.js';
import type { RunCatalog } from '../../runs/catalog.js';
import type { DrillInfo } from '../../store/drills.js';
import type { Store } from '../../store/store.js';
import type { AuthVariables } from '../auth.js';
import { audit } from '../audit-trail.js';
import { readJson } from '../body.js';
import type { DrillService } from '../drill-service.js';
import { drillView, launchView, mayKnowDrill, mayKnowLaunch } from '../drill-visibility.js';
import { can, need } from '../policy.js';

const applySchema = z.strictObject({
  yaml: z
    .string()
    .min(1)
    .max(1024 * 1024),
  file: z.string().max(200).optional(),
  dryRun: z.boolean().optional(),
});
const calendarSchema = z.strictObject({
  since: z.coerce.number().int().min(0).optional(),
  until: z.coerce.number().int().min(0).optional(),
  team: z.string().max(100).optional(),
});
const DAY = 24 * 3600_000;

type App = Hono<{ Variables: AuthVariables }>;

/**
 * Drills: applied from a drills file (validated like an experiment, every problem at its line),
 * listed, enabled, disabled and removed by the white cell; the calendar of launches. What a
 * principal may not know of is absent, as if it did not exist (drill-visibility.ts).
 */
export function drillRoutes(
  app: App,
  deps: { store: Store; catalog: RunCatalog; drills: DrillService; inventory: () => Promise<Inventory | undefined> },
): void {
  const { store, catalog, drills } = deps;
  app.post('/api/v1/drills/apply', async (c) => {
    const principal = c.get('principal');
    need(principal, can(principal, 'drills.write'));
    const body = await readJson(c, applySchema);
    const now = drills.now();
    const { file, source, texts } = loadDrillsText(body.file ?? 'drills.yaml', body.yaml);
    const problems = await checkDrills(file, source, {
      now,
      catalog,
      blackouts: await storedBlackouts(store),
      gamedayExists: async (name) => (await store.gamedays.findByName(name)) !== undefined,
      experimentText: async (name) => {
        const experiment = await store.experiments.findByName(name);
        if (!experiment) return undefined;
        return (await store.experiments.versions(experiment.id, experiment.version))[0]?.yaml;
      },
    });
    if (problems.length > 0) throw new ValidationError(problems);
    if (body.dryRun) return c.json({ valid: true, drills: file.drills.map((d) => d.name) });
    const applied: { name: string; created: boolean }[] = [];
    for (const [i, spec] of file.drills.entries()) {
      const { drill, created } = await store.drills.apply({
        name: spec.name,
        title: spec.title ?? spec.name,
        team: spec.team,
        kind: drillKind(spec),
        announcement: spec.announcement,
        facilitator: spec.facilitator ?? principal.name,
        spec,
        yaml: texts[i] ?? '',
        author: principal.name,
      });
      if (!created) await store.drills.unplan(drill.id, now); // planned again from the new schedule
      if (drill.enabled !== spec.enabled) await store.drills.setEnabled(drill.id, spec.enabled);
      applied.push({ name: spec.name, created });
    }
    // The file's blackouts replace the stored ones of each team it names (and the global ones, if it has any).
    const sets: [string | null, readonly Blackout[]][] = Object.entries(file.teams).map(([team, t]) => [team, t.blackouts]);
    if (file.blackouts.length > 0) sets.push([null, file.blackouts]);
    for (const [team, list] of sets)
      await store.blackouts.replace(
        team,
        list.map((spec) => ({ name: spec.name, spec })),
        principal.name,
      );
    const blackouts = sets.reduce((n, [, list]) => n + list.length, 0);
    drills.scheduler.changed();
    await audit(store, c, { action: 'drills.apply', detail: { drills: applied, blackouts } });
    return c.json({ applied, blackouts });
  });

  app.get('/api/v1/drills', async (c) => {
    const principal = c.get('principal');
    const now = drills.now();
    const blackouts = await storedBlackouts(store);
    const list = (await store.drills.list()).filter((d) => mayKnowDrill(principal, d));
    const views = await Promise.all(
      list.map(async (drill) => {
        const next = await drills.scheduler.nextLaunch(drill, now, 31 * DAY, blackouts);
        return drillView(principal, drill, next?.at);
      }),
    );
    // A drill whose timing and scenario are the team's secret still counts: "a drill will come".
    const announcedSoon = (await store.drills.list()).filter((d) => d.announcement === 'window' && !mayKnowDrill(principal, d));
    return c.json({ drills: views, windows: [...new Set(announcedSoon.map((d) => d.team))].map((team) => ({ team })) });
  });

  app.get('/api/v1/drills/calendar', async (c) => {
    const principal = c.get('principal');
    const parsed = calendarSchema.safeParse(c.req.query());
    if (!parsed.success)
      throw new UserError('FD_INVALID_QUERY', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const now = drills.now();
    const since = parsed.data.since ?? now - 30 * DAY;
    const until = parsed.data.until ?? now + 7 * DAY;
    if (until <= since || until - since > 400 * DAY) throw new UserError('FD_INVALID_QUERY', 'until must be after since, within 400 days');
    const byId = new Map((await store.drills.list()).map((d) => [d.id, d]));
    const launches = (await store.drills.launches({ since, until, limit: 5000 })).flatMap((launch) => {
      const drill = byId.get(launch.drillId);
      if (!drill || (parsed.data.team !== undefined && drill.team !== parsed.data.team)) return [];
      return mayKnowLaunch(principal, drill, launch) ? [launchView(drill, launch)] : [];
    });
    return c.json({ since, until, launches });
  });

  // The white cell's drills as one drills file, to edit in the dashboard and apply again.
  app.get('/api/v1/drills/file', async (c) => {
    const principal = c.get('principal');
    need(principal, can(principal, 'drills.write'));
    const asWritten = ({ kind: _kind, ...blackout }: Blackout) => blackout; // the kind is implied by the fields
    const blackouts = await store.blackouts.list();
    const teams: Record<string, { blackouts: unknown[] }> = {};
    for (const b of blackouts) if (b.team !== null) (teams[b.team] ??= { blackouts: [] }).blackouts.push(asWritten(b.spec as Blackout));
    const global = blackouts.filter((b) => b.team === null).map((b) => asWritten(b.spec as Blackout));
    const drillsList = (await store.drills.list()).map((d) => parse(d.yaml) as unknown);
    const doc = { ...(global.length > 0 && { blackouts: global }), ...(Object.keys(teams).length > 0 && { teams }), drills: drillsList };
    return c.json({ yaml: drillsList.length === 0 && global.length === 0 ? 'drills: []\n' : stringify(doc) });
  });

  // Drill debt: drills not exercised within their expected period (as far as the caller may know of them).
  app.get('/api/v1/drills/debt', async (c) => {
    const principal = c.get('principal');
    const known = (await store.drills.list()).filter((d) => mayKnowDrill(principal, d));
    const debt = drillDebt(known, await store.drills.lastLaunched(), drills.now());
    return c.json({
      debt: debt.map((d) => ({ drill: d.drill.name, team: d.drill.team, lastLaunchedAt: d.lastLaunchedAt, overdueMs: d.overdueMs })),
    });
  });

  app.get('/api/v1/drills/:name', async (c) => {
    const principal = c.get('principal');
    const drill = await visible(principal, c.req.param('name'));
    const now = drills.now();
    const upcoming = (await drills.scheduler.upcoming(drill, now, now + 31 * DAY, await storedBlackouts(store))).slice(0, 20);
    return c.json({ drill: { ...drillView(principal, drill, upcoming.find((l) => !l.skipped)?.at), yaml: drill.yaml }, upcoming });
  });

  // The white cell's view of a monkey: what it could draw now, and when it could strike next.
  app.get('/api/v1/drills/:name/candidates', async (c) => {
    const principal = c.get('principal');
    const drill = await visible(principal, c.req.param('name'));
    need(principal, can(principal, 'drills.write'));
    const spec = drill.spec as DrillSpec;
    const now = drills.now();
    const next = (await drills.scheduler.upcoming(drill, now, now + 31 * DAY, await storedBlackouts(store))).filter((l) => !l.skipped);
    const inventory = await deps.inventory();
    const candidates = spec.monkey ? monkeyCandidates(spec.monkey, inventory) : [];
    const groups = spec.monkey?.groupBy === undefined ? undefined : monkeyGroups(spec.monkey, inventory);
    return c.json({
      drill: drill.name,
      monkey: spec.monkey !== undefined,
      candidates,
      ...(groups && { groupBy: spec.monkey?.groupBy, groups }),
      next: next.slice(0, 5).map((l) => l.at),
      ...(groups && { nextGroups: next.slice(0, 5).map((l) => l.group ?? '') }),
    });
  });

  for (const [action, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    app.post(`/api/v1/drills/:name/${action}`, async (c) => {
      const principal = c.get('principal');
      const drill = await visible(principal, c.req.param('name'));
      need(principal, can(principal, 'drills.write'));
      await store.drills.setEnabled(drill.id, enabled);
      drills.scheduler.changed();
      await audit(store, c, { action: `drill.${action}`, target: drill.name });
      return c.json({ drill: drillView(principal, { ...drill, enabled }) });
    });
  }

  app.delete('/api/v1/drills/:name', async (c) => {
    const principal = c.get('principal');
    const drill = await visible(principal, c.req.param('name'));
    need(principal, can(principal, 'drills.write'));
    await store.drills.remove(drill.id);
    drills.scheduler.changed();
    await audit(store, c, { action: 'drill.remove', target: drill.name });
    return c.body(null, 204);
  });

  /** The drill, or 404 — also when it exists but the principal may not know it does. */
  async function visible(principal: AuthVariables['principal'], name: string): Promise<DrillInfo> {
    const drill = await store.drills.findByName(name);
    if (!drill || !mayKnowDrill(principal, drill)) throw new FiredrillError('FD_NOT_FOUND', `no drill ${name}`);
    return drill;
  }
}

export type { DrillSpec };

/** For the OpenAPI document. */
export const drillSchemas = { apply: applySchema, calendar: calendarSchema };
