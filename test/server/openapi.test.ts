import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/runs/catalog.js';
import { createServerApp } from '../../src/server/app.js';
import { DrillService } from '../../src/server/drill-service.js';
import { ServerMetrics } from '../../src/server/metrics.js';
import { ROUTES } from '../../src/server/openapi.js';
import { RunService } from '../../src/server/run-service.js';
import { AlertInbox } from '../../src/server/alert-inbox.js';
import { GameDayService } from '../../src/server/gameday-service.js';
import { Store } from '../../src/store/store.js';
import { quiet, testServer } from './fixtures.js';

describe('the OpenAPI document', () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  beforeAll(async () => {
    server = await testServer();
  });
  afterAll(async () => server?.stop());

  it('is served without a token, as OpenAPI 3.1, with request bodies from the routes’ own schemas', async () => {
    const response = await fetch(`${server.url}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    const create = doc.paths['/api/v1/experiments']?.post?.requestBody?.content['application/json']?.schema as {
      properties: Record<string, unknown>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(Object.keys(create.properties).sort()).toEqual(['name', 'secret', 'yaml']);
    expect(create.required.sort()).toEqual(['name', 'yaml']);
    expect(create.additionalProperties).toBe(false);
  });

  it('lists exactly the routes the app serves under /api/v1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-openapi-'));
    const store = await Store.open(join(dir, 'server.db'));
    const runs = new RunService({ store, stateDir: dir, log: quiet, inventory: () => Promise.resolve(undefined) });
    try {
      const app = createServerApp({
        store,
        catalog: await loadCatalog(),
        runs,
        stateDir: dir,
        inventory: () => Promise.resolve(undefined),
        metrics: new ServerMetrics(),
        log: quiet,
        version: 'test',
        secureCookies: false,
        drills: new DrillService(store, runs, quiet),
        alerts: new AlertInbox(store, quiet),
        gamedays: new GameDayService(store, runs, quiet),
      });
      const served = app.routes
        .filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/v1/'))
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')}`);
      const documented = ROUTES.map((r) => `${r.method} ${r.path}`);
      expect([...new Set(served)].sort()).toEqual([...documented].sort());
    } finally {
      await runs.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
