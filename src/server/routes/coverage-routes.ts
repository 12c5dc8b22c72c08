import type { Hono } from 'hono';
import { z } from 'zod';
import { UserError } from '../../errors.js';
import { coverageOf } from '../../coverage/coverage.js';
import { navigatorLayer } from '../../coverage/navigator.js';
import type { Store } from '../../store/store.js';
import type { AuthVariables } from '../auth.js';
import { visibleObservations } from '../coverage-service.js';
import type { GameDayService } from '../gameday-service.js';

const querySchema = z.strictObject({
  format: z.enum(['json', 'navigator']).optional(),
  download: z.enum(['1']).optional(),
});

type App = Hono<{ Variables: AuthVariables }>;

/**
 * The ATT&CK coverage: per technique, what the defenders did the last time it was drilled, from
 * the runs and game days the caller may know of (a responder's coverage never shows what is still
 * secret). `?format=navigator` answers an ATT&CK Navigator layer; `download=1` saves it.
 */
export function coverageRoutes(app: App, store: Store, gamedays: GameDayService): void {
  app.get('/api/v1/coverage', async (c) => {
    const parsed = querySchema.safeParse(c.req.query());
    if (!parsed.success) throw new UserError('FD_BAD_QUERY', 'format: json or navigator; download: 1');
    const { format = 'json', download } = parsed.data;
    const coverage = coverageOf(await visibleObservations(store, gamedays, c.get('principal')));
    const body = format === 'navigator' ? navigatorLayer(coverage) : { coverage };
    const name = format === 'navigator' ? 'firedrill-attack-layer.json' : 'firedrill-coverage.json';
    return c.json(body, 200, download ? { 'content-disposition': `attachment; filename="${name}"` } : {});
  });
}

/** For the OpenAPI document. */
export const coverageSchemas = { query: querySchema };
