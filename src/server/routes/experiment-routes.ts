import type { Hono } from 'hono';
import { z } from 'zod';
import { FiredrillError } from '../../errors.js';
import { loadExperimentText } from '../../experiment/load.js';
import type { RunCatalog } from '../../runs/catalog.js';
import type { ExperimentInfo } from '../../store/experiments.js';
import type { Store } from '../../store/store.js';
import type { Principal } from '../../store/users.js';
import type { AuthVariables } from '../auth.js';
import { audit } from '../audit-trail.js';
import { readJson } from '../body.js';
import { can, maySee, need } from '../policy.js';

const MAX_YAML_BYTES = 512 * 1024;
const yaml = z.string().min(1).max(MAX_YAML_BYTES);
const createSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'lowercase letters, digits, dot, dash and underscore, at most 100'),
  yaml,
  secret: z.boolean().optional(),
});
const updateSchema = z.strictObject({ yaml });
const validateSchema = z.strictObject({ yaml, name: z.string().max(100).optional() });

type App = Hono<{ Variables: AuthVariables }>;

/**
 * Experiments: the YAML text with every version kept, validated with the CLI's own loader (the
 * same rules, problems back as line, col, path and message). Secret ones are answered 404 to
 * whoever may not see them.
 */
export function experimentRoutes(app: App, store: Store, catalog: RunCatalog): void {
  // The server's environment is not the experiment's: no variable comes from it.
  const check = (name: string, text: string) => loadExperimentText(name, text, { catalog, env: {} });

  app.get('/api/v1/experiments', async (c) => {
    const principal = c.get('principal');
    need(principal, can(principal, 'experiments.read'));
    const list = await store.experiments.list({
      secrets: can(principal, 'secrets.all'),
      secretsOf: can(principal, 'secrets.own') ? principal.name : undefined,
    });
    return c.json({ experiments: list.filter((e) => maySee(principal, e)) });
  });

  app.post('/api/v1/experiments/validate', async (c) => {
    const principal = c.get('principal');
    need(principal, can(principal, 'experiments.write'));
    const body = await readJson(c, validateSchema);
    const { experiment } = check(body.name ?? 'experiment.yaml', body.yaml);
    return c.json({ valid: true, title: experiment.title });
  });

  app.post('/api/v1/experiments', async (c) => {
    const principal = c.get('principal');
    need(principal, can(principal, 'experiments.write'));
    const body = await readJson(c, createSchema);
    const secret = body.secret ?? can(principal, 'secrets.own'); // a villain's scenario is secret unless said otherwise
    if (secret) need(principal, can(principal, 'secrets.all') || can(principal, 'secrets.own'));
    const { experiment } = check(body.name, body.yaml);
    if (await store.experiments.findByName(body.name)) {
      throw new FiredrillError('FD_EXPERIMENT_EXISTS', `an experiment named ${body.name} exists: update it instead`);
    }
    const info = await store.experiments.create({
      name: body.name,
      title: experiment.title,
      yaml: body.yaml,
      secret,
      author: principal.name,
    });
    await audit(store, c, { action: 'experiment.create', target: info.id, detail: { name: info.name, secret } });
    return c.json({ experiment: info }, 201);
  });

  app.get('/api/v1/experiments/:id', async (c) => {
    const info = await visible(c.get('principal'), c.req.param('id'));
    const [latest] = await store.experiments.versions(info.id, info.version);
    return c.json({ experiment: info, yaml: latest?.yaml ?? '' });
  });

  app.put('/api/v1/experiments/:id', async (c) => {
    const principal = c.get('principal');
    const info = await visible(principal, c.req.param('id'));
    need(principal, can(principal, 'experiments.write'));
    const body = await readJson(c, updateSchema);
    const { experiment } = check(info.name, body.yaml);
    const updated = await store.experiments.update(info.id, { title: experiment.title, yaml: body.yaml, author: principal.name });
    await audit(store, c, { action: 'experiment.update', target: info.id, detail: { version: updated?.version } });
    return c.json({ experiment: updated });
  });

  app.get('/api/v1/experiments/:id/versions', async (c) => {
    const info = await visible(c.get('principal'), c.req.param('id'));
    return c.json({ versions: await store.experiments.versions(info.id) });
  });

  app.delete('/api/v1/experiments/:id', async (c) => {
    const principal = c.get('principal');
    const info = await visible(principal, c.req.param('id'));
    need(principal, can(principal, 'experiments.write'));
    await store.experiments.remove(info.id);
    await audit(store, c, { action: 'experiment.delete', target: info.id });
    return c.body(null, 204);
  });

  /** The experiment, or 404 — also when it exists but `principal` may not know it does. */
  async function visible(principal: Principal, id: string): Promise<ExperimentInfo> {
    const info = await store.experiments.get(id);
    if (!info || !maySee(principal, info)) throw new FiredrillError('FD_NOT_FOUND', `no experiment ${id}`);
    return info;
  }
}

/** For the OpenAPI document. */
export const experimentSchemas = { create: createSchema, update: updateSchema, validate: validateSchema };
