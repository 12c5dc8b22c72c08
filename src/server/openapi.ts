import { z } from 'zod';
import type { Role } from '../store/users.js';
import { PERMISSIONS } from './policy.js';
import type { Permission } from './policy.js';
import { agentSchemas } from './routes/agent-routes.js';
import { auditSchemas } from './routes/audit-routes.js';
import { experimentSchemas } from './routes/experiment-routes.js';
import { haltSchemas } from './routes/halt-routes.js';
import { runSchemas } from './routes/run-routes.js';
import { sessionSchemas } from './routes/session-routes.js';
import { userSchemas } from './routes/user-routes.js';
import { drillSchemas } from './routes/drill-routes.js';
import { incidentSchemas } from './routes/incident-routes.js';
import { webhookSchemas } from './routes/webhook-routes.js';
import { alertSchemas } from './routes/alert-routes.js';
import { gameDaySchemas } from './routes/gameday-routes.js';
import { coverageSchemas } from './routes/coverage-routes.js';

interface RouteDoc {
  readonly method: 'get' | 'post' | 'put' | 'delete';
  readonly path: string;
  readonly summary: string;
  /** Who may: a permission of policy.ts, `any` (any role), or `public`. */
  readonly who: Permission | 'any' | 'public';
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  /** `text/event-stream` for the live stream. */
  readonly stream?: boolean;
}

/** Every route of the API; test/server/openapi.test.ts checks it against the app's own routes. */
export const ROUTES: readonly RouteDoc[] = [
  { method: 'get', path: '/api/v1/health', summary: 'Liveness and version', who: 'public' },
  { method: 'get', path: '/api/v1/openapi.json', summary: 'This document', who: 'public' },
  {
    method: 'post',
    path: '/api/v1/login',
    summary: 'Open a dashboard session (cookie) and get its CSRF token',
    who: 'public',
    body: sessionSchemas.login,
  },
  { method: 'post', path: '/api/v1/logout', summary: 'Close the session', who: 'public' },
  { method: 'get', path: '/api/v1/me', summary: 'Who the token or session is', who: 'any' },
  { method: 'get', path: '/api/v1/experiments', summary: 'Experiments one may see', who: 'experiments.read' },
  {
    method: 'post',
    path: '/api/v1/experiments',
    summary: "Create one, validated with the CLI's rules",
    who: 'experiments.write',
    body: experimentSchemas.create,
  },
  {
    method: 'post',
    path: '/api/v1/experiments/validate',
    summary: 'Validate a YAML text: problems at line and column',
    who: 'experiments.write',
    body: experimentSchemas.validate,
  },
  { method: 'get', path: '/api/v1/experiments/{id}', summary: 'One experiment and its latest YAML', who: 'experiments.read' },
  {
    method: 'put',
    path: '/api/v1/experiments/{id}',
    summary: 'A new version of its YAML',
    who: 'experiments.write',
    body: experimentSchemas.update,
  },
  { method: 'delete', path: '/api/v1/experiments/{id}', summary: 'Hide it (versions are kept)', who: 'experiments.write' },
  {
    method: 'get',
    path: '/api/v1/experiments/{id}/versions',
    summary: 'Every version, newest first, with its author',
    who: 'experiments.read',
  },
  {
    method: 'post',
    path: '/api/v1/runs',
    summary: 'Start a run of an experiment or of an inline YAML text',
    who: 'runs.start',
    body: runSchemas.start,
  },
  {
    method: 'get',
    path: '/api/v1/runs',
    summary: 'Runs, newest first, filtered and paged',
    who: 'experiments.read',
    query: runSchemas.list,
  },
  { method: 'get', path: '/api/v1/runs/{id}', summary: 'One run and, once ended, its journal', who: 'experiments.read' },
  {
    method: 'get',
    path: '/api/v1/runs/{id}/events',
    summary: 'Live events (SSE), resumable with Last-Event-ID',
    who: 'experiments.read',
    stream: true,
  },
  {
    method: 'get',
    path: '/api/v1/runs/{id}/report/{format}',
    summary: 'The report: html, md or junit (as firedrill report), or json: the journal; ?download=1 to save it',
    who: 'experiments.read',
  },
  {
    method: 'post',
    path: '/api/v1/runs/{id}/cancel',
    summary: 'Abort it: every fault reverted',
    who: 'runs.start',
    body: runSchemas.cancel,
  },
  { method: 'post', path: '/api/v1/runs/{id}/reveal', summary: 'Make a secret run visible to all', who: 'secrets.all' },
  { method: 'get', path: '/api/v1/halt', summary: 'The halt in force, if any', who: 'any' },
  { method: 'get', path: '/api/v1/halt/events', summary: 'The halt now, then each change (SSE)', who: 'any', stream: true },
  {
    method: 'post',
    path: '/api/v1/halt',
    summary: 'Halt: every run aborted, every fault reverted, no run until resume',
    who: 'halt',
    body: haltSchemas.halt,
  },
  { method: 'post', path: '/api/v1/resume', summary: 'Lift the halt', who: 'halt' },
  { method: 'get', path: '/api/v1/agents', summary: 'Agents as they answer now', who: 'any' },
  {
    method: 'post',
    path: '/api/v1/agents',
    summary: 'Register an agent (where this host keeps its token)',
    who: 'users.manage',
    body: agentSchemas.register,
  },
  { method: 'delete', path: '/api/v1/agents/{name}', summary: 'Forget a registered agent', who: 'users.manage' },
  { method: 'get', path: '/api/v1/users', summary: 'Users and their roles', who: 'users.manage' },
  { method: 'post', path: '/api/v1/users', summary: 'Create a user', who: 'users.manage', body: userSchemas.create },
  { method: 'put', path: '/api/v1/users/{id}/roles', summary: "Set a user's roles", who: 'users.manage', body: userSchemas.roles },
  { method: 'get', path: '/api/v1/tokens', summary: 'API tokens (one’s own; an admin sees all)', who: 'any' },
  { method: 'post', path: '/api/v1/tokens', summary: 'Issue a token: shown once', who: 'any', body: userSchemas.token },
  { method: 'delete', path: '/api/v1/tokens/{id}', summary: 'Revoke a token', who: 'any' },
  { method: 'get', path: '/api/v1/audit', summary: 'The audit log, newest first', who: 'audit.read', query: auditSchemas.query },
  { method: 'get', path: '/api/v1/webhooks', summary: 'Webhook subscriptions', who: 'users.manage' },
  {
    method: 'post',
    path: '/api/v1/webhooks',
    summary: 'Subscribe: Slack or generic signed JSON',
    who: 'users.manage',
    body: webhookSchemas.create,
  },
  { method: 'delete', path: '/api/v1/webhooks/{id}', summary: 'Unsubscribe', who: 'users.manage' },
  { method: 'get', path: '/api/v1/webhooks/{id}/deliveries', summary: 'The delivery log of a subscription', who: 'users.manage' },
  {
    method: 'post',
    path: '/api/v1/drills/apply',
    summary: 'Apply a drills file (validated like an experiment; dryRun: validate only)',
    who: 'drills.write',
    body: drillSchemas.apply,
  },
  { method: 'get', path: '/api/v1/drills', summary: 'Drills one may know of, with their next launch', who: 'any' },
  {
    method: 'get',
    path: '/api/v1/drills/calendar',
    summary: 'Launches, past and upcoming, one may know of',
    who: 'any',
    query: drillSchemas.calendar,
  },
  { method: 'get', path: '/api/v1/drills/file', summary: 'Every drill and blackout as one drills file (white cell)', who: 'drills.write' },
  { method: 'get', path: '/api/v1/drills/debt', summary: 'Drills not launched within their expected period', who: 'any' },
  { method: 'get', path: '/api/v1/drills/{name}', summary: 'One drill, its definition and its next launches', who: 'any' },
  {
    method: 'get',
    path: '/api/v1/drills/{name}/candidates',
    summary: 'A monkey: what it could draw now, and its next launches',
    who: 'drills.write',
  },
  { method: 'post', path: '/api/v1/drills/{name}/enable', summary: 'Let it launch', who: 'drills.write' },
  { method: 'post', path: '/api/v1/drills/{name}/disable', summary: 'Stop it launching', who: 'drills.write' },
  { method: 'delete', path: '/api/v1/drills/{name}', summary: 'Remove it (what it launched stays)', who: 'drills.write' },
  { method: 'get', path: '/api/v1/incidents', summary: 'Open incidents', who: 'any' },
  {
    method: 'post',
    path: '/api/v1/incidents',
    summary: 'Declare one open: no drill of the team launches',
    who: 'incidents.declare',
    body: incidentSchemas.open,
  },
  { method: 'post', path: '/api/v1/incidents/{id}/close', summary: 'Close it', who: 'incidents.declare' },
  {
    method: 'post',
    path: '/api/v1/is-this-a-drill',
    summary: 'Is this a drill? yes (with whom to call) or no; never the scenario; audited',
    who: 'drills.ask',
    body: incidentSchemas.ask,
  },
  {
    method: 'post',
    path: '/api/v1/alerts/{source}',
    summary: "Receive alerts: Alertmanager's webhook (version 4) or generic JSON; matched by the runs' expectations",
    who: 'alerts.receive',
    body: alertSchemas.body,
  },
  {
    method: 'post',
    path: '/api/v1/alerts/{source}/{token}',
    summary: 'The same, with the token in the path (for a sender that cannot set a header)',
    who: 'alerts.receive',
    body: alertSchemas.body,
  },
  { method: 'get', path: '/api/v1/alerts', summary: 'Alerts received lately, oldest first', who: 'any', query: alertSchemas.list },
  {
    method: 'post',
    path: '/api/v1/gamedays/apply',
    summary: 'Create or replace a game day from its file (the scenario stays secret)',
    who: 'gamedays.write',
    body: gameDaySchemas.apply,
  },
  { method: 'get', path: '/api/v1/gamedays', summary: 'The game days one takes part in: the scenario, or a console', who: 'any' },
  { method: 'get', path: '/api/v1/gamedays/{id}', summary: 'One game day, as one takes part in it', who: 'any' },
  {
    method: 'get',
    path: '/api/v1/gamedays/{id}/causes',
    summary: "What a suspected cause is picked from: the server's services and every fault kind (the same for every game day)",
    who: 'any',
  },
  { method: 'post', path: '/api/v1/gamedays/{id}/launch', summary: 'Launch it now', who: 'gamedays.run' },
  {
    method: 'post',
    path: '/api/v1/gamedays/{id}/dry-run',
    summary: "The villains' rehearsal: each step's experiment as a dry run (the plan, nothing injected)",
    who: 'gamedays.write',
  },
  {
    method: 'post',
    path: '/api/v1/gamedays/{id}/comcheck',
    summary: 'A responder or observer confirms the console reaches them (the white cell sees who did)',
    who: 'any',
  },
  {
    method: 'post',
    path: '/api/v1/gamedays/{id}/commands',
    summary: 'Pause, resume, inject a step now, end',
    who: 'gamedays.run',
    body: gameDaySchemas.command,
  },
  {
    method: 'post',
    path: '/api/v1/gamedays/{id}/declarations',
    summary: 'A responder declares: detected, acknowledged, diagnosed (with the cause), contained, recovered',
    who: 'any',
    body: gameDaySchemas.declare,
  },
  {
    method: 'post',
    path: '/api/v1/gamedays/{id}/findings',
    summary: "A responder team's reconstruction of an intrusion: the techniques, the entry point, the hosts (the last one counts)",
    who: 'any',
    body: gameDaySchemas.finding,
  },
  {
    method: 'put',
    path: '/api/v1/gamedays/{id}/review',
    summary: "The team's part of the review: what was learnt, action items (owner, due date)",
    who: 'any',
    body: gameDaySchemas.notes,
  },
  {
    method: 'post',
    path: '/api/v1/gamedays/{id}/rerun',
    summary: 'Play the same scenario again at a date, to verify the fix (null: none)',
    who: 'gamedays.run',
    body: gameDaySchemas.rerun,
  },
  {
    method: 'get',
    path: '/api/v1/gamedays/{id}/review',
    summary: 'The review (Markdown, or JSON): the scenario, the timeline, expected and observed response',
    who: 'any',
    query: gameDaySchemas.review,
  },
  {
    method: 'get',
    path: '/api/v1/coverage',
    summary: 'ATT&CK coverage per technique from the runs and game days one may know of (format=navigator: a Navigator layer)',
    who: 'experiments.read',
    query: coverageSchemas.query,
  },
];

const ERROR = {
  type: 'object',
  properties: {
    error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] },
  },
};

/** The OpenAPI 3.1 document of the API, request bodies and queries from the very zod schemas the routes validate with. */
export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const roles: readonly Role[] | undefined = route.who === 'any' || route.who === 'public' ? undefined : PERMISSIONS[route.who];
    const who = route.who === 'public' ? 'anyone' : roles ? roles.join(', ') : 'any role';
    const parameters = [
      ...[...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...queryParameters(route.query),
    ];
    (paths[route.path] ??= {})[route.method] = {
      summary: route.summary,
      description: `Allowed: ${who}. Something one may not see is answered 404.`,
      ...(route.who !== 'public' && { security: [{ bearer: [] }, { session: [] }] }),
      ...(parameters.length > 0 && { parameters }),
      ...(route.body && {
        requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(route.body, { io: 'input' }) } } },
      }),
      responses: {
        '200': { description: 'OK', content: { [route.stream ? 'text/event-stream' : 'application/json']: {} } },
        default: { description: 'An error', content: { 'application/json': { schema: ERROR } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Firedrill control plane', version },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token (fdt_…)' },
        session: { type: 'apiKey', in: 'cookie', name: 'fd_session', description: 'A dashboard session; changes also need X-CSRF-Token' },
      },
    },
    paths,
  };
}

function queryParameters(query: z.ZodType | undefined): unknown[] {
  if (!query) return [];
  const schema = z.toJSONSchema(query, { io: 'input' }) as { properties?: Record<string, unknown> };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({ name, in: 'query', required: false, schema: property }));
}
