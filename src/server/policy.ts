import { FiredrillError } from '../errors.js';
import type { Principal, Role } from '../store/users.js';

/**
 * What each role may do. Secrecy is decided here and only here: a route asks `can`, and a
 * thing a principal may not see is answered 404, as if it did not exist.
 */
export const PERMISSIONS = {
  'experiments.read': ['admin', 'facilitator', 'villain', 'responder', 'lead', 'viewer'],
  'experiments.write': ['admin', 'facilitator', 'villain'],
  /** Every secret scenario, whoever wrote it. */
  'secrets.all': ['admin', 'facilitator'],
  /** Write secret scenarios, and see one's own. */
  'secrets.own': ['villain'],
  /** Start, cancel and halt runs. */
  'runs.start': ['admin', 'facilitator'],
  /** Halt everything and resume. */
  halt: ['admin', 'facilitator'],
  /** Apply, enable, disable and remove drills: the white cell. */
  'drills.write': ['admin', 'facilitator'],
  /** "Is this a drill?": the white cell and the on-call leads. */
  'drills.ask': ['admin', 'facilitator', 'lead'],
  /** Declare an incident open (no drill launches for the team meanwhile) and close it. */
  'incidents.declare': ['admin', 'facilitator', 'lead', 'responder'],
  /** Write game days (their scenario is secret: villains see their own). */
  'gamedays.write': ['admin', 'facilitator', 'villain'],
  /** Launch a game day, pause it, inject the next step, end it. */
  'gamedays.run': ['admin', 'facilitator'],
  /** Post alerts to the receiver (Alertmanager, a monitoring tool's webhook). */
  'alerts.receive': ['admin', 'alert-source'],
  'users.manage': ['admin'],
  'audit.read': ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

/** What a principal who may read nothing (an alert-source token) may still reach: itself, its tokens, the receiver. */
const WITHOUT_READ = [
  /^GET \/api\/v1\/me$/,
  /^(GET|POST) \/api\/v1\/tokens$/,
  /^DELETE \/api\/v1\/tokens\/[^/]+$/,
  /^POST \/api\/v1\/alerts\/[^/]+$/,
];

/**
 * Whether a route is open to the principal at all: every route reads something, so one who may
 * not read (a monitoring tool's token) reaches only the few above; the routes decide the rest.
 */
export function mayReach(principal: Principal, method: string, path: string): boolean {
  return can(principal, 'experiments.read') || WITHOUT_READ.some((route) => route.test(`${method} ${path}`));
}

export function can(principal: Principal, permission: Permission): boolean {
  const allowed: readonly Role[] = PERMISSIONS[permission];
  return allowed.some((role) => principal.roles.has(role));
}

/** Whether `principal` may know that a thing with this secrecy and author exists. */
export function maySee(principal: Principal, thing: { secret: boolean; createdBy: string }): boolean {
  if (!thing.secret) return can(principal, 'experiments.read');
  if (can(principal, 'secrets.all')) return true;
  return can(principal, 'secrets.own') && thing.createdBy === principal.name;
}

/** 403 unless `allowed`, naming who asked and their roles. */
export function need(principal: Principal, allowed: boolean): void {
  if (!allowed)
    throw new FiredrillError('FD_FORBIDDEN', `${principal.name} (${[...principal.roles].join(', ') || 'no role'}) may not do this`);
}
