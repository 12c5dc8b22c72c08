import type { Hono } from 'hono';
import { z } from 'zod';
import { API_PREFIX } from '../../agent-protocol/api.js';
import { findProcessesRequestSchema, haltRequestSchema } from '../../agent-protocol/request-schemas.js';
import type { AgentStatus, FindProcessesResponse, HaltResponse, RecoverResponse } from '../../agent-protocol/api.js';
import type { AgentAppDeps } from './app.js';
import { readBody } from './body.js';
import { findProcesses } from './processes.js';

const emptySchema = z.strictObject({});

/** The agent as a whole: status, halt and resume, recovery, and target discovery on its host. */
export function controlRoutes(app: Hono, deps: AgentAppDeps): void {
  const { keeper, sweeper } = deps;

  app.get(`${API_PREFIX}/status`, (c) => {
    const status: AgentStatus = { ...deps.identity(), halted: keeper.halted(), faults: keeper.faults() };
    return c.json(status);
  });

  app.post(`${API_PREFIX}/halt`, async (c) => {
    const { reason } = await readBody(c, haltRequestSchema);
    const halted: HaltResponse = await keeper.halt(reason);
    return c.json(halted);
  });

  app.post(`${API_PREFIX}/resume`, async (c) => {
    await readBody(c, emptySchema);
    keeper.resume();
    return c.json({ halted: null });
  });

  app.post(`${API_PREFIX}/recover`, async (c) => {
    await readBody(c, emptySchema);
    const reverted = await keeper.recover('recovery requested');
    const swept = await sweeper.sweep(); // after the reverts: their artefacts are no orphans
    const recovered: RecoverResponse = { reverted, swept };
    return c.json(recovered);
  });

  app.post(`${API_PREFIX}/processes/find`, async (c) => {
    const { match } = await readBody(c, findProcessesRequestSchema);
    const found: FindProcessesResponse = { processes: findProcesses(match, deps.allow) };
    return c.json(found);
  });
}
