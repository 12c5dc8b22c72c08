import { UserError } from '../errors.js';
import { reached } from './status.js';
import type { RecipientStatus } from './status.js';

/**
 * Campaign results, blameless by design. The headline is the reporting reflex — report rate,
 * time to the first report, median time to report — then click and submit rates.
 *
 * Aggregate-only: every function here but `individual` returns numbers by group, and a group
 * of fewer than `minGroupSize` people (default 5) is never returned. Small groups are merged
 * into "other"; when "other" is still too small, the smallest returned groups are merged into it
 * as well until it is large enough — suppressing a small group alone would not hide it, since
 * the campaign total minus the shown groups would give it back. A campaign smaller than the
 * minimum returns nothing at all.
 *
 * Per-person results only through `individual`, for the phishing admin and the person themself.
 */

/** One recipient's result, without who they are beyond an id. */
export interface RecipientOutcome {
  readonly recipientId: string;
  readonly department: string;
  /** The lure's id (library key or the drill's own). */
  readonly lure: string;
  readonly status: RecipientStatus;
}

export interface AggregateOptions {
  /** At least 5 (the default); a drill may raise it, never lower it. */
  readonly minGroupSize?: number;
}

export interface Aggregate {
  /** The department, the lure, the campaign id…; `other` when `merged`. */
  readonly group: string;
  /** True for the merged group of small ones. */
  readonly merged: boolean;
  readonly recipients: number;
  readonly sent: number;
  readonly reported: number;
  readonly clicked: number;
  readonly submitted: number;
  readonly trained: number;
  /** Of those sent, 0–1. */
  readonly reportRate: number;
  readonly clickRate: number;
  readonly submitRate: number;
  /** From the group's first send to its first report, ms. */
  readonly timeToFirstReportMs?: number;
  /** Of each reporter's own delivery (or send) to report, ms. */
  readonly medianTimeToReportMs?: number;
}

export const DEFAULT_MIN_GROUP_SIZE = 5;

/** The campaign as one group, or undefined when it has fewer than the minimum. */
export function summarise(outcomes: readonly RecipientOutcome[], options: AggregateOptions = {}): Aggregate | undefined {
  return outcomes.length >= minimum(options) ? aggregate('all', false, outcomes) : undefined;
}

/** By department, each group at least the minimum size. */
export function byDepartment(outcomes: readonly RecipientOutcome[], options: AggregateOptions = {}): Aggregate[] {
  return grouped(outcomes, (outcome) => outcome.department, minimum(options));
}

/** By lure, each group at least the minimum size. */
export function byLure(outcomes: readonly RecipientOutcome[], options: AggregateOptions = {}): Aggregate[] {
  return grouped(outcomes, (outcome) => outcome.lure, minimum(options));
}

/** One summary per campaign, oldest first; campaigns under the minimum are left out. */
export function trend(
  campaigns: readonly { readonly campaignId: string; readonly startedAt: number; readonly outcomes: readonly RecipientOutcome[] }[],
  options: AggregateOptions = {},
): Aggregate[] {
  return [...campaigns]
    .sort((a, b) => a.startedAt - b.startedAt)
    .filter((campaign) => campaign.outcomes.length >= minimum(options))
    .map((campaign) => aggregate(campaign.campaignId, false, campaign.outcomes));
}

/** Who is asking for a person's result. */
export type Viewer = { readonly role: 'phishing-admin' } | { readonly role: string; readonly recipientId?: string };

/**
 * One person's result — only for the phishing admin role, or for the person themself (the "my
 * drills" page). Anyone else gets a UserError (FD_PHISHING_INDIVIDUAL): managers and viewers
 * see aggregates only. Undefined when the recipient is not in the campaign.
 */
export function individual(outcomes: readonly RecipientOutcome[], recipientId: string, viewer: Viewer): RecipientOutcome | undefined {
  const self = 'recipientId' in viewer && viewer.recipientId === recipientId;
  if (viewer.role !== 'phishing-admin' && !self)
    throw new UserError('FD_PHISHING_INDIVIDUAL', 'individual results are shown only to the phishing admin and to the person themself');
  return outcomes.find((outcome) => outcome.recipientId === recipientId);
}

function grouped(outcomes: readonly RecipientOutcome[], keyOf: (outcome: RecipientOutcome) => string, min: number): Aggregate[] {
  if (outcomes.length < min) return [];
  const groups = new Map<string, RecipientOutcome[]>();
  for (const outcome of outcomes) {
    const key = keyOf(outcome);
    const group = groups.get(key);
    if (group) group.push(outcome);
    else groups.set(key, [outcome]);
  }
  // Largest first, so the ones merged to make "other" large enough are the smallest.
  const kept = [...groups]
    .filter(([, members]) => members.length >= min)
    .sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
  const other = [...groups].filter(([, members]) => members.length < min).flatMap(([, members]) => members);
  while (other.length > 0 && other.length < min) other.push(...(kept.pop() as [string, RecipientOutcome[]])[1]);
  const result = kept.map(([key, members]) => aggregate(key, false, members));
  if (other.length > 0) result.push(aggregate('other', true, other));
  return result;
}

function aggregate(group: string, merged: boolean, outcomes: readonly RecipientOutcome[]): Aggregate {
  const sent = outcomes.filter((outcome) => reached(outcome.status, 'sent'));
  const reporters = sent.filter((outcome) => outcome.status.reported);
  const rate = (count: number): number => (sent.length === 0 ? 0 : count / sent.length);
  const firstSend = earliest(sent.map((outcome) => outcome.status.firstAt.sent));
  const firstReport = earliest(reporters.map((outcome) => outcome.status.firstAt.reported));
  const delays = reporters
    .map((outcome) => (outcome.status.firstAt.reported ?? NaN) - (outcome.status.firstAt.delivered ?? outcome.status.firstAt.sent ?? NaN))
    .filter((delay) => Number.isFinite(delay));
  const clicked = sent.filter((outcome) => reached(outcome.status, 'clicked')).length;
  const submitted = sent.filter((outcome) => reached(outcome.status, 'submitted')).length;
  return {
    group,
    merged,
    recipients: outcomes.length,
    sent: sent.length,
    reported: reporters.length,
    clicked,
    submitted,
    trained: sent.filter((outcome) => outcome.status.trained).length,
    reportRate: rate(reporters.length),
    clickRate: rate(clicked),
    submitRate: rate(submitted),
    ...(Number.isFinite(firstReport - firstSend) && { timeToFirstReportMs: Math.max(0, firstReport - firstSend) }),
    ...(delays.length > 0 && { medianTimeToReportMs: median(delays) }),
  };
}

/** Infinity for none; a loop, not Math.min(...), which overflows the stack on large campaigns. */
function earliest(times: readonly (number | undefined)[]): number {
  let found = Infinity;
  for (const time of times) if (time !== undefined && time < found) found = time;
  return found;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function minimum(options: AggregateOptions): number {
  const min = options.minGroupSize ?? DEFAULT_MIN_GROUP_SIZE;
  // Raised, never lowered: a smaller group would let an aggregate point at a person.
  if (!Number.isInteger(min) || min < DEFAULT_MIN_GROUP_SIZE)
    throw new UserError('FD_PHISHING_GROUP_SIZE', `minGroupSize: a whole number ≥ ${DEFAULT_MIN_GROUP_SIZE}, got ${min}`);
  return min;
}
