import { hostname } from 'node:os';
import type { Hono } from 'hono';
import { z } from 'zod';
import { FiredrillError } from '../../errors.js';
import type { RunEvent } from '../../engine/events.js';
import type { LaunchInfo } from '../../store/drills.js';
import type { Store } from '../../store/store.js';
import type { AuthVariables } from '../auth.js';
import { audit } from '../audit-trail.js';
import { readJson } from '../body.js';
import { can, need } from '../policy.js';

const team = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/);
const openSchema = z.strictObject({ title: z.string().min(1).max(500), team: team.optional() });
const askSchema = z
  .strictObject({
    at: z.union([z.number().int().min(0), z.iso.datetime({ offset: true })]).optional(),
    host: z.string().min(1).max(255).optional(),
    service: z.string().min(1).max(255).optional(),
    correlationId: z.string().min(1).max(200).optional(),
  })
  .refine(
    (q) => q.host !== undefined || q.service !== undefined || q.correlationId !== undefined,
    'give a host, a service or a correlation id',
  );

type App = Hono<{ Variables: AuthVariables }>;

/**
 * Incidents declared open (no drill of the team launches meanwhile), and the private question
 * an on-call lead asks before escalating: "is this a drill?" — answered yes with the drill's
 * facilitator to call, or no; never with the scenario. Every question is in the audit log.
 */
export function incidentRoutes(app: App, store: Store): void {
  app.get('/api/v1/incidents', async (c) => c.json({ incidents: await store.incidents.openOnes() }));

  app.post('/api/v1/incidents', async (c) => {
    const principal = c.get('principal');
    need(principal, can(principal, 'incidents.declare'));
    const body = await readJson(c, openSchema);
    const incident = await store.incidents.open({ team: body.team ?? null, title: body.title, by: principal.name });
    await audit(store, c, { action: 'incident.open', target: incident.id, detail: { team: incident.team, title: incident.title } });
    return c.json({ incident }, 201);
  });

  app.post('/api/v1/incidents/:id/close', async (c) => {
    const principal = c.get('principal');
    need(principal, can(principal, 'incidents.declare'));
    const id = c.req.param('id');
    if (!(await store.incidents.close(id, principal.name))) throw new FiredrillError('FD_NOT_FOUND', `no open incident ${id}`);
    await audit(store, c, { action: 'incident.close', target: id });
    return c.json({ closed: true });
  });

  app.post('/api/v1/is-this-a-drill', async (c) => {
    const principal = c.get('principal');
    need(principal, can(principal, 'drills.ask'));
    const query = await readJson(c, askSchema);
    const at = query.at === undefined ? Date.now() : typeof query.at === 'number' ? query.at : Date.parse(query.at);
    const match = await findDrill(store, { ...query, at });
    const drill = match && (await store.drills.get(match.drillId));
    const answer = drill ? { drill: true as const, facilitator: drill.facilitator, team: drill.team } : { drill: false as const };
    await audit(store, c, { action: 'drill.ask', outcome: answer.drill ? 'yes' : 'no', detail: { ...query, at } });
    return c.json(answer);
  });
}

/** The launch whose run matches: by correlation id (run or launch id), or running at `at` on that host or service. */
async function findDrill(
  store: Store,
  q: { at: number; host?: string | undefined; service?: string | undefined; correlationId?: string | undefined },
): Promise<LaunchInfo | undefined> {
  if (q.correlationId !== undefined) {
    return (await store.drills.launchOfRun(q.correlationId)) ?? (await store.drills.launch(q.correlationId)) ?? undefined;
  }
  const day = 24 * 3600_000;
  const around = await store.drills.launches({ since: q.at - 2 * day, until: q.at + 1, limit: 5000 });
  for (const launch of around) {
    // Running at that time: launched before it, not ended before it (the scheduler's times, both).
    if (!launch.runId || launch.launchedAt === null || launch.launchedAt > q.at) continue;
    if (launch.endedAt !== null && launch.endedAt < q.at) continue;
    const [resolved] = (await store.runs.events(launch.runId, 0, 50)).filter((e) => e.type === 'targets-resolved');
    if (!resolved) continue;
    const { targets } = JSON.parse(resolved.data) as Extract<RunEvent, { type: 'targets-resolved' }>;
    const hit = Object.values(targets)
      .flat()
      .some((t) => {
        // A target of the local agent is on this server's host.
        const names = [t.name, 'service' in t ? t.service : undefined, t.agent ?? hostname(), ...Object.values(t.labels ?? {})];
        return (q.service !== undefined && names.includes(q.service)) || (q.host !== undefined && names.includes(q.host));
      });
    if (hit) return launch;
  }
  return undefined;
}

/** For the OpenAPI document. */
export const incidentSchemas = { open: openSchema, ask: askSchema };
