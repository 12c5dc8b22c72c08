import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { FiredrillError, UserError } from '../../errors.js';
import type { RunEvent } from '../../engine/events.js';
import type { Journal } from '../../engine/journal.js';
import type { RunInfo } from '../../store/runs.js';
import type { Store } from '../../store/store.js';
import type { Principal } from '../../store/users.js';
import type { AuthVariables } from '../auth.js';
import { audit } from '../audit-trail.js';
import { readJson } from '../body.js';
import { can, maySee, need } from '../policy.js';
import type { RunService } from '../run-service.js';
import { mayKnowRun } from '../run-visibility.js';

const startSchema = z
  .strictObject({
    experimentId: z.string().max(100).optional(),
    yaml: z
      .string()
      .min(1)
      .max(512 * 1024)
      .optional(),
    name: z.string().max(200).optional(),
    vars: z.record(z.string().max(200), z.string().max(10_000)).optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .optional(),
    dryRun: z.boolean().optional(),
    secret: z.boolean().optional(),
  })
  .refine((body) => (body.experimentId === undefined) !== (body.yaml === undefined), 'give either experimentId or yaml');
const listSchema = z.strictObject({
  verdict: z.enum(['passed', 'deviated', 'aborted', 'failed']).optional(),
  tag: z.string().max(200).optional(),
  since: z.coerce.number().int().min(0).optional(),
  until: z.coerce.number().int().min(0).optional(),
  before: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
const cancelSchema = z.strictObject({ reason: z.string().max(1000).optional() });

/** How often a live stream looks at the store for events another replica wrote. */
const STREAM_POLL_MS = 250;
/** A run executed here wakes its streams itself: the store is read again only this rarely. */
const LOCAL_SAFETY_POLL_MS = 5000;

type App = Hono<{ Variables: AuthVariables }>;

/** Runs: start, list, read, cancel, reveal, and the live event stream (SSE, resumable with Last-Event-ID). */
export function runRoutes(app: App, store: Store, runs: RunService): void {
  app.post('/api/v1/runs', async (c) => {
    const principal = c.get('principal');
    need(principal, can(principal, 'runs.start'));
    const body = await readJson(c, startSchema);
    let source: {
      name: string;
      yaml: string;
      experimentId: string | null;
      experimentVersion: number | null;
      secret: boolean;
      author: string;
    };
    if (body.experimentId !== undefined) {
      const info = await store.experiments.get(body.experimentId);
      if (!info || !maySee(principal, info)) throw new FiredrillError('FD_NOT_FOUND', `no experiment ${body.experimentId}`);
      const [latest] = await store.experiments.versions(info.id, info.version);
      const { id, name, version, secret, createdBy } = info;
      source = { name, yaml: latest?.yaml ?? '', experimentId: id, experimentVersion: version, secret, author: createdBy };
    } else {
      const secret = body.secret ?? false;
      source = {
        name: body.name ?? 'inline.yaml',
        yaml: body.yaml ?? '',
        experimentId: null,
        experimentVersion: null,
        secret,
        author: principal.name,
      };
    }
    const run = await runs.start(principal.name, { ...source, vars: body.vars ?? {}, seed: body.seed, dryRun: body.dryRun ?? false });
    await audit(store, c, { action: 'run.start', target: run.id, detail: { experimentId: source.experimentId, dryRun: run.dryRun } });
    return c.json({ run }, 201);
  });

  app.get('/api/v1/runs', async (c) => {
    const principal = c.get('principal');
    const parsed = listSchema.safeParse(c.req.query());
    if (!parsed.success)
      throw new UserError('FD_INVALID_QUERY', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const query = parsed.data;
    // A villain's own secret runs are theirs to list: mayKnowRun drops everyone else's below.
    const secrets = can(principal, 'secrets.all') || can(principal, 'secrets.own') ? 'all' : 'revealed';
    const list = await runs.lists.get(JSON.stringify([query, secrets]), async () => {
      const before = query.before === undefined ? undefined : await store.runs.get(query.before);
      return store.runs.list({
        verdict: query.verdict,
        tag: query.tag,
        since: query.since,
        until: query.until,
        before: before && { createdAt: before.createdAt, id: before.id },
        limit: query.limit ?? 50,
        secrets,
      });
    });
    return c.json({ runs: list.filter((run) => mayKnowRun(principal, run)) });
  });

  app.get('/api/v1/runs/:id', async (c) => {
    const run = await visible(c.get('principal'), c.req.param('id'));
    return c.json({ run, journal: (await store.runs.journal(run.id)) ?? null });
  });

  // The same reports as `firedrill report`, from the store: html, md or junit; json is the journal.
  app.get('/api/v1/runs/:id/report/:format{html|md|junit|json}', async (c) => {
    const run = await visible(c.get('principal'), c.req.param('id'));
    const journal = (await store.runs.journal(run.id)) as Journal | undefined;
    if (!journal) throw new FiredrillError('FD_NOT_FOUND', `run ${run.id} has no journal yet: it is running, or never finished`);
    const events = (await store.runs.events(run.id, 0, 100_000)).map(
      (e) => ({ ...(JSON.parse(e.data) as object), runId: run.id }) as RunEvent,
    );
    const download = { 'content-disposition': `attachment; filename="${run.id}.${c.req.param('format')}"` };
    if (c.req.param('format') === 'json') return c.json(journal, 200, download);
    const stored = { dir: `runs/${run.id}`, runId: run.id, journal, events };
    const { renderHtml, renderJunit, renderMarkdown } = await import('../../report/index.js');
    const format = c.req.param('format');
    // ?download=1 saves it; without, the HTML report is shown (the dashboard frames it, sandboxed).
    const save = c.req.query('download') === '1' ? download : {};
    if (format === 'html') return c.html(renderHtml(stored), 200, save);
    if (format === 'md') return c.text(renderMarkdown(stored), 200, { ...save, 'content-type': 'text/markdown; charset=utf-8' });
    return c.text(renderJunit([stored]), 200, { ...save, 'content-type': 'application/xml; charset=utf-8' });
  });

  app.post('/api/v1/runs/:id/cancel', async (c) => {
    const principal = c.get('principal');
    const run = await visible(principal, c.req.param('id'));
    need(principal, can(principal, 'runs.start'));
    const { reason } = await readJson(c, cancelSchema);
    const why = `cancelled by ${principal.name}${reason ? `: ${reason}` : ''}`;
    const cancelled = run.state === 'running' && (await runs.cancel(run.id, why));
    await audit(store, c, { action: 'run.cancel', target: run.id, outcome: cancelled ? 'ok' : 'not running' });
    return c.json({ cancelled }, cancelled ? 202 : 409);
  });

  app.post('/api/v1/runs/:id/reveal', async (c) => {
    const principal = c.get('principal');
    const run = await visible(principal, c.req.param('id'));
    need(principal, can(principal, 'secrets.all'));
    await runs.reveal(run.id);
    await audit(store, c, { action: 'run.reveal', target: run.id });
    return c.json({ run: await store.runs.get(run.id) });
  });

  app.get('/api/v1/runs/:id/events', async (c) => {
    const run = await visible(c.get('principal'), c.req.param('id'));
    const resumeAt = Number(c.req.header('last-event-id') ?? c.req.query('after') ?? 0);
    let seq = Number.isInteger(resumeAt) && resumeAt > 0 ? resumeAt : 0;
    return streamSSE(c, async (stream) => {
      const closed = new AbortController();
      stream.onAbort(() => closed.abort());
      while (!closed.signal.aborted) {
        // Listen before reading: an event stored between the read and the wait still wakes us.
        // A run executed here wakes its streams with each event; one on another replica is polled.
        const turn = new AbortController(); // ends this turn's wait (its timer and listener) when not needed
        const news = runs.waitForNews(
          run.id,
          runs.runsHere(run.id) ? LOCAL_SAFETY_POLL_MS : STREAM_POLL_MS,
          AbortSignal.any([closed.signal, turn.signal]),
        );
        const events = await runs.eventsAfter(run.id, seq);
        for (const event of events) {
          await stream.writeSSE({ id: String(event.seq), event: event.type, data: event.data });
          seq = event.seq;
        }
        if (events.length > 0) {
          turn.abort();
          await news;
          continue;
        }
        // A run executing here is running: no need to ask the store until it is not.
        const now = runs.runsHere(run.id) ? undefined : await store.runs.get(run.id);
        if (now && now.state !== 'running' && (await store.runs.events(run.id, seq)).length === 0) {
          await stream.writeSSE({ event: 'end', data: JSON.stringify({ verdict: now.verdict, reason: now.reason }) });
          turn.abort();
          await news;
          break;
        }
        await news;
      }
    });
  });

  /** The run, or 404 — also when it exists but `principal` may not know it does. */
  async function visible(principal: Principal, id: string): Promise<RunInfo> {
    const run = await store.runs.get(id);
    if (!run || !mayKnowRun(principal, run)) throw new FiredrillError('FD_NOT_FOUND', `no run ${id}`);
    return run;
  }
}

/** For the OpenAPI document. */
export const runSchemas = { start: startSchema, list: listSchema, cancel: cancelSchema };
