import type { Hono } from 'hono';
import { API_PREFIX } from '../../agent-protocol/api.js';
import { endRunRequestSchema, injectRequestSchema, leaseRequestSchema } from '../../agent-protocol/request-schemas.js';
import type { ContainedResponse, EndRunResponse, InjectResponse, LeaseResponse, RevertedRunFault } from '../../agent-protocol/api.js';
import type { AgentAppDeps } from './app.js';
import { pathId, readBody } from './body.js';

/** Faults of a run and its lease. */
export function faultRoutes(app: Hono, { keeper, ledger }: AgentAppDeps): void {
  app.post(`${API_PREFIX}/runs/:runId/faults`, async (c) => {
    const runId = pathId(c, 'runId');
    const request = await readBody(c, injectRequestSchema);
    // Known before anything is recorded or logged: the ledger and agent.log redact them from now on.
    ledger.secrets.add(request.secrets ?? []);
    const injected: InjectResponse = await keeper.inject(runId, request);
    return c.json(injected, 201);
  });

  app.post(`${API_PREFIX}/runs/:runId/faults/:faultId/revert`, async (c) => {
    const reverted: RevertedRunFault = await keeper.revert(pathId(c, 'runId'), pathId(c, 'faultId'));
    return c.json(reverted);
  });

  app.get(`${API_PREFIX}/runs/:runId/faults/:faultId/contained`, async (c) => {
    const answer: ContainedResponse = { contained: await keeper.contained(pathId(c, 'runId'), pathId(c, 'faultId')) };
    return c.json(answer);
  });

  app.post(`${API_PREFIX}/runs/:runId/end`, async (c) => {
    const runId = pathId(c, 'runId');
    const { reason } = await readBody(c, endRunRequestSchema);
    const ended: EndRunResponse = { reverted: await keeper.endRun(runId, reason) };
    return c.json(ended);
  });

  app.post(`${API_PREFIX}/runs/:runId/lease`, async (c) => {
    const runId = pathId(c, 'runId');
    const { ttlMs } = await readBody(c, leaseRequestSchema);
    const lease: LeaseResponse = keeper.renew(runId, ttlMs);
    return c.json(lease);
  });
}
