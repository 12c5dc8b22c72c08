import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { FiredrillError, UserError, ValidationError } from '../../errors.js';
import { DECLARATIONS } from '../../experiment/expectation-schema.js';
import { withExpectations } from '../../gamedays/driver.js';
import { loadGameDayText } from '../../gamedays/spec.js';
import type { GameDaySpec } from '../../gamedays/spec.js';
import type { GameDayInfo } from '../../store/gamedays.js';
import type { Store } from '../../store/store.js';
import type { Inventory } from '../../targets/inventory.js';
import type { Principal } from '../../store/users.js';
import type { AuthVariables } from '../auth.js';
import { audit } from '../audit-trail.js';
import { readJson } from '../body.js';
import type { GameDayService } from '../gameday-service.js';
import { gameDayView, involvement } from '../gameday-visibility.js';
import type { Involvement } from '../gameday-visibility.js';
import { can, need } from '../policy.js';

export const gameDaySchemas = {
  apply: z.strictObject({
    yaml: z
      .string()
      .min(1)
      .max(512 * 1024),
    file: z.string().max(200).optional(),
  }),
  command: z.strictObject({
    command: z.enum(['pause', 'resume', 'inject', 'end']),
    step: z.string().max(100).optional().describe('inject: the step to inject now'),
  }),
  declare: z.strictObject({
    declare: z.enum(DECLARATIONS),
    team: z.string().max(100).optional().describe('when you are in more than one of its teams'),
    detail: z.string().max(2000).optional(),
    cause: z.strictObject({ service: z.string().max(200).optional(), fault: z.string().max(200).optional() }).optional(),
  }),
  finding: z.strictObject({
    team: z.string().max(100).optional().describe('when you are in more than one of its teams'),
    techniques: z
      .array(z.string().regex(/^T\d{4}(\.\d{3})?$/, 'an ATT&CK technique id: T1098 or T1098.004'))
      .max(100)
      .describe('the techniques you believe the intruder used'),
    entryPoint: z.string().trim().min(1).max(200).optional().describe('how the intruder got in: an ATT&CK id or words'),
    hosts: z.array(z.string().trim().min(1).max(200)).max(100).default([]).describe('the hosts you believe were touched'),
    detail: z.string().max(2000).optional(),
  }),
  review: z.strictObject({ format: z.enum(['md', 'html', 'json']).optional(), download: z.enum(['1']).optional() }),
  notes: z.strictObject({
    learnt: z.string().max(20_000).default(''),
    actions: z
      .array(z.strictObject({ action: z.string().min(1).max(500), owner: z.string().min(1).max(200), due: z.iso.date() }))
      .max(100)
      .default([]),
  }),
  rerun: z.strictObject({ at: z.union([z.number().int().min(0), z.iso.datetime({ offset: true })]).nullable() }),
};

type App = Hono<{ Variables: AuthVariables }>;

/**
 * Game days: applied from a file by villains and facilitators, launched, paused, stepped and
 * ended by the facilitators; the responders' console (declarations); the review. A principal
 * who takes no part in a game day is answered 404, as if it did not exist (gameday-visibility.ts).
 */
export function gameDayRoutes(
  app: App,
  store: Store,
  gamedays: GameDayService,
  known: {
    readonly inventory: () => Promise<Inventory | undefined>;
    readonly faultKinds: readonly string[];
    readonly techniques: readonly { readonly id: string; readonly name: string; readonly tactics: readonly string[] }[];
  },
): void {
  const find = async (
    c: Context<{ Variables: AuthVariables }>,
  ): Promise<{ gameday: GameDayInfo; involved: Involvement; principal: Principal }> => {
    const principal = c.get('principal');
    const key = c.req.param('id') ?? '';
    const gameday = (await store.gamedays.get(key)) ?? (await store.gamedays.findByName(key));
    const involved = gameday && involvement(principal, gameday);
    // By name only for those who read the scenario: a name can tell the scenario.
    if (!gameday || !involved || (gameday.id !== key && involved.as !== 'scenario'))
      throw new FiredrillError('FD_NOT_FOUND', `no game day ${key}`);
    return { gameday, involved, principal };
  };

  app.post('/api/v1/gamedays/apply', async (c) => {
    const principal = c.get('principal');
    need(principal, can(principal, 'gamedays.write'));
    const body = await readJson(c, gameDaySchemas.apply);
    const { spec } = loadGameDayText(body.file ?? 'gameday.yaml', body.yaml);
    const missing = [];
    for (const [i, step] of spec.scenario.entries())
      if (!(await store.experiments.findByName(step.experiment))) missing.push({ i, name: step.experiment });
    if (missing.length > 0)
      throw new ValidationError(
        missing.map(({ i, name }) => ({
          file: body.file ?? 'gameday.yaml',
          line: 0,
          col: 0,
          path: `scenario[${i}].experiment`,
          message: `no stored experiment named ${name}`,
        })),
      );
    const owned: GameDaySpec = {
      ...spec,
      ...(spec.facilitator === undefined && can(principal, 'secrets.all') && { facilitator: principal.name }),
      villains:
        can(principal, 'secrets.all') || spec.villains.includes(principal.name) ? spec.villains : [...spec.villains, principal.name],
    };
    const existing = await store.gamedays.findByName(spec.name);
    if (existing && involvement(principal, existing)?.as !== 'scenario') need(principal, false);
    if (existing?.state === 'running')
      throw new UserError('FD_GAMEDAY_RUNNING', `game day ${spec.name} is running: end it before changing it`);
    const applied = await store.gamedays.apply({
      name: owned.name,
      title: owned.title,
      spec: owned,
      yaml: body.yaml,
      author: principal.name,
    });
    await audit(store, c, { action: 'gameday.apply', target: applied.gameday.id, detail: { name: owned.name, created: applied.created } });
    return c.json({ gameday: gameDayView({ as: 'scenario' }, applied.gameday, []), created: applied.created });
  });

  app.get('/api/v1/gamedays', async (c) => {
    const principal = c.get('principal');
    const views = [];
    for (const gameday of await store.gamedays.list()) {
      const involved = involvement(principal, gameday);
      if (involved) views.push(gameDayView(involved, gameday, await store.gamedays.events(gameday.id), principal.name));
    }
    return c.json({ gamedays: views });
  });

  app.get('/api/v1/gamedays/:id', async (c) => {
    const { gameday, involved, principal } = await find(c);
    return c.json({ gameday: gameDayView(involved, gameday, await store.gamedays.events(gameday.id), principal.name) });
  });

  // What a team picks its suspected cause from: every service the server knows and every fault
  // kind — the same lists for every game day, so they tell nothing of the scenario.
  app.get('/api/v1/gamedays/:id/causes', async (c) => {
    await find(c);
    const inventory = await known.inventory();
    return c.json({
      services: [...(inventory?.services.keys() ?? [])].sort(),
      faults: [...known.faultKinds].sort(),
      techniques: known.techniques,
    });
  });

  // The comcheck, before the day: each responder and observer confirms the console reaches them.
  app.post('/api/v1/gamedays/:id/comcheck', async (c) => {
    const { gameday, involved, principal } = await find(c);
    if (involved.as === 'scenario') need(principal, false); // the white cell checks the others
    const at = Date.now();
    const team = involved.as === 'team' ? (involved.teams[0] ?? null) : null;
    await store.gamedays.record({
      gamedayId: gameday.id,
      kind: 'comcheck',
      team,
      what: 'reached',
      by: principal.name,
      at,
      detail: null,
      cause: null,
    });
    return c.json({ comcheck: { by: principal.name, at } }, 201);
  });

  // The villains' rehearsal: each step's experiment as a dry run (targets resolved, the plan shown, nothing injected).
  app.post('/api/v1/gamedays/:id/dry-run', async (c) => {
    const { gameday, involved, principal } = await find(c);
    need(principal, can(principal, 'gamedays.write') && involved.as === 'scenario');
    const spec = gameday.spec as GameDaySpec;
    const steps = [];
    for (const step of spec.scenario) {
      const stored = await store.experiments.findByName(step.experiment);
      const yaml = stored && (await store.experiments.versions(stored.id, stored.version))[0]?.yaml;
      if (!yaml) throw new UserError('FD_NOT_FOUND', `step ${step.name}: no stored experiment named ${step.experiment}`);
      const run = await gamedays.runs.start(principal.name, {
        name: step.experiment,
        yaml: withExpectations(yaml, step),
        vars: step.vars,
        secret: true,
        author: principal.name,
        experimentId: stored.id,
        experimentVersion: stored.version,
        dryRun: true,
      });
      steps.push({ step: step.name, runId: run.id });
    }
    await audit(store, c, { action: 'gameday.dry-run', target: gameday.id });
    return c.json({ steps }, 201);
  });

  app.post('/api/v1/gamedays/:id/launch', async (c) => {
    const { gameday, involved, principal } = await find(c);
    need(principal, can(principal, 'gamedays.run') && involved.as === 'scenario');
    if ((await gamedays.runs.halted()) !== undefined) throw new FiredrillError('FD_HALTED', 'Firedrill is halted: resume before launching');
    const launched = await gamedays.launch(gameday);
    if (!launched) throw new UserError('FD_GAMEDAY_RUNNING', `game day ${gameday.name} is already running`);
    await audit(store, c, { action: 'gameday.launch', target: gameday.id });
    return c.json({ gameday: gameDayView(involved, launched, []) });
  });

  app.post('/api/v1/gamedays/:id/commands', async (c) => {
    const { gameday, involved, principal } = await find(c);
    need(principal, can(principal, 'gamedays.run') && involved.as === 'scenario');
    const body = await readJson(c, gameDaySchemas.command);
    if (gameday.state !== 'running') throw new UserError('FD_GAMEDAY_NOT_RUNNING', `game day ${gameday.name} is not running`);
    const spec = gameday.spec as GameDaySpec;
    if (body.command === 'inject' && !spec.scenario.some((s) => s.name === body.step))
      throw new UserError('FD_NO_SUCH_STEP', `inject which step? one of ${spec.scenario.map((s) => s.name).join(', ')}`);
    await store.gamedays.record({
      gamedayId: gameday.id,
      kind: 'command',
      team: null,
      what: body.command,
      by: principal.name,
      at: Date.now(),
      detail: body.step ?? null,
      cause: null,
    });
    await audit(store, c, { action: `gameday.${body.command}`, target: gameday.id, detail: body.step ? { step: body.step } : undefined });
    return c.json({ accepted: body.command }, 202);
  });

  app.post('/api/v1/gamedays/:id/declarations', async (c) => {
    const { gameday, involved, principal } = await find(c);
    if (involved.as !== 'team') need(principal, false); // responders declare; the white cell watches
    const teams = involved.as === 'team' ? involved.teams : [];
    const body = await readJson(c, gameDaySchemas.declare);
    const team = body.team ?? (teams.length === 1 ? teams[0] : undefined);
    if (!team || !teams.includes(team)) throw new UserError('FD_WHICH_TEAM', `say which of your teams declares it: ${teams.join(', ')}`);
    if (gameday.state !== 'running') throw new UserError('FD_GAMEDAY_NOT_RUNNING', 'this game day is not running');
    const event = await store.gamedays.record({
      gamedayId: gameday.id,
      kind: 'declare',
      team,
      what: body.declare,
      by: principal.name,
      at: Date.now(),
      detail: body.detail ?? null,
      cause: body.cause ?? null,
    });
    return c.json({ declaration: { team, declare: event.what, by: event.by, at: event.at } }, 201);
  });

  // A team's reconstruction of an intrusion, scored in the review against what was detonated; the last one counts.
  app.post('/api/v1/gamedays/:id/findings', async (c) => {
    const { gameday, involved, principal } = await find(c);
    if (involved.as !== 'team') need(principal, false); // the teams reconstruct; the white cell knows
    const teams = involved.as === 'team' ? involved.teams : [];
    const body = await readJson(c, gameDaySchemas.finding);
    const team = body.team ?? (teams.length === 1 ? teams[0] : undefined);
    if (!team || !teams.includes(team)) throw new UserError('FD_WHICH_TEAM', `say which of your teams files it: ${teams.join(', ')}`);
    if (gameday.state !== 'running') throw new UserError('FD_GAMEDAY_NOT_RUNNING', 'this game day is not running');
    const { techniques, entryPoint, hosts } = body;
    const event = await store.gamedays.record({
      gamedayId: gameday.id,
      kind: 'finding',
      team,
      what: 'reconstruction',
      by: principal.name,
      at: Date.now(),
      detail: body.detail ?? null,
      cause: { techniques, hosts, ...(entryPoint !== undefined && { entryPoint }) },
    });
    return c.json({ finding: { team, by: event.by, at: event.at, techniques, entryPoint: entryPoint ?? null, hosts } }, 201);
  });

  // The team fills in what was learnt and the action items: anyone who took part, once it is revealed.
  app.put('/api/v1/gamedays/:id/review', async (c) => {
    const { gameday, involved, principal } = await find(c);
    need(principal, involved.as === 'scenario' || (gameday.revealedAt !== null && involved.as === 'team'));
    const body = await readJson(c, gameDaySchemas.notes);
    await store.gamedays.saveNotes(gameday.id, { ...body, by: principal.name, at: Date.now() });
    await audit(store, c, { action: 'gameday.review', target: gameday.id, detail: { actions: body.actions.length } });
    return c.json({ saved: true });
  });

  // A re-run of the same scenario, to verify the fix (null: none).
  app.post('/api/v1/gamedays/:id/rerun', async (c) => {
    const { gameday, involved, principal } = await find(c);
    need(principal, can(principal, 'gamedays.run') && involved.as === 'scenario');
    const body = await readJson(c, gameDaySchemas.rerun);
    const at = body.at === null ? null : typeof body.at === 'number' ? body.at : Date.parse(body.at);
    await store.gamedays.scheduleRerun(gameday.id, at);
    await audit(store, c, { action: 'gameday.rerun', target: gameday.id, detail: { at } });
    return c.json({ rerunAt: at });
  });

  app.get('/api/v1/gamedays/:id/review', async (c) => {
    const { gameday, involved, principal } = await find(c);
    need(principal, involved.as === 'scenario' || gameday.revealedAt !== null); // it tells the scenario: after the reveal
    const query = gameDaySchemas.review.safeParse(c.req.query());
    if (!query.success) throw new UserError('FD_BAD_QUERY', 'format: md, html or json; download: 1');
    const { format = 'md', download } = query.data;
    if (format === 'json')
      return c.json({
        review: await gamedays.review(gameday, 'md'),
        measures: await gamedays.measures(gameday),
        intrusion: await gamedays.reconstruction(gameday),
      });
    const text = await gamedays.review(gameday, format);
    const type = format === 'html' ? 'text/html; charset=utf-8' : 'text/markdown; charset=utf-8';
    return c.body(text, 200, {
      'content-type': type,
      // The HTML is a page of its own: shown sandboxed, never run in the app's origin.
      ...(format === 'html' && { 'content-security-policy': "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:" }),
      ...(download && { 'content-disposition': `attachment; filename="review-${gameday.name}.${format}"` }),
    });
  });
}
