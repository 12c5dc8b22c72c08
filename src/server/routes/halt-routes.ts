import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { haltEverywhere, resumeEverywhere } from '../../runs/halt.js';
import type { Store } from '../../store/store.js';
import type { Inventory } from '../../targets/inventory.js';
import type { Logger } from '../../util/log.js';
import type { AuthVariables } from '../auth.js';
import { audit } from '../audit-trail.js';
import { readJson } from '../body.js';
import { can, need } from '../policy.js';
import type { RunService } from '../run-service.js';
import type { ServerMetrics } from '../metrics.js';

const haltSchema = z.strictObject({ reason: z.string().min(1).max(1000) });

export interface HaltDeps {
  readonly store: Store;
  readonly runs: RunService;
  readonly stateDir: string;
  readonly inventory: () => Promise<Inventory | undefined>;
  readonly log: Logger;
  readonly metrics: ServerMetrics;
}

/**
 * The emergency stop: every run aborted (on every replica), every agent this server knows
 * reverts every fault at once, and no run starts until resume. Said in the audit log.
 */
export function haltRoutes(app: Hono<{ Variables: AuthVariables }>, deps: HaltDeps): void {
  const { store, runs } = deps;
  app.get('/api/v1/halt', async (c) => c.json({ halted: (await runs.halted()) ?? null }));

  // The banner of every connected dashboard: the halt now, then each change as it happens.
  app.get('/api/v1/halt/events', (c) =>
    streamSSE(c, async (stream) => {
      const closed = new Promise<void>((resolve) => stream.onAbort(resolve));
      let sending = Promise.resolve();
      const stop = await runs.haltWatch.listen((halted) => {
        sending = sending.then(() => stream.writeSSE({ event: 'halt', data: JSON.stringify({ halted }) })).catch(() => undefined);
      });
      try {
        await closed;
      } finally {
        stop();
      }
    }),
  );

  app.post('/api/v1/halt', async (c) => {
    const principal = c.get('principal');
    need(principal, can(principal, 'halt'));
    const { reason } = await readJson(c, haltSchema);
    const state = { reason, at: new Date().toISOString(), by: principal.name };
    const aborted = await runs.halt(state);
    const outcome = await haltEverywhere({
      stateDir: deps.stateDir,
      inventory: await deps.inventory(),
      reason: `${reason} (by ${principal.name})`,
    });
    for (const agent of outcome.agents) if (agent.latencyMs !== undefined) deps.metrics.haltLatency(agent.latencyMs);
    const failed = outcome.agents.filter((a) => !a.ok || a.unverified);
    await audit(store, c, {
      action: 'halt',
      outcome: failed.length === 0 ? 'ok' : `partial: ${failed.length} agent(s) not halted`,
      detail: { reason, aborted },
    });
    return c.json({ halted: state, runsAborted: aborted, agents: outcome.agents });
  });

  app.post('/api/v1/resume', async (c) => {
    const principal = c.get('principal');
    need(principal, can(principal, 'halt'));
    await runs.resume(principal.name);
    const agents = await resumeEverywhere({ stateDir: deps.stateDir, inventory: await deps.inventory() });
    await audit(store, c, { action: 'resume', outcome: agents.every((a) => a.ok) ? 'ok' : 'partial' });
    return c.json({ resumed: true, agents });
  });
}

/** For the OpenAPI document. */
export const haltSchemas = { halt: haltSchema };
