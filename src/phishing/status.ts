/**
 * A recipient's status in a campaign, reduced from tracking events.
 *
 *   scheduled → sent → delivered → opened → clicked → submitted     the stage: only forward
 *   reported, trained                                                flags: once set, kept
 *
 * A later event never undoes an earlier one: an "opened" pixel loaded after the click leaves the
 * stage at clicked, and a report after a click is still a report (the reflex we want). Events
 * may arrive out of order (a delayed pixel, a mailbox read late): the first time of each kind is
 * the earliest seen. Only human clicks belong here — scanner clicks are counted apart (scanner.ts).
 */

export const STAGES = ['scheduled', 'sent', 'delivered', 'opened', 'clicked', 'submitted'] as const;
export type Stage = (typeof STAGES)[number];
export type TrackingEventKind = Exclude<Stage, 'scheduled'> | 'reported' | 'trained';

export interface TrackingEvent {
  readonly kind: TrackingEventKind;
  /** Epoch ms. */
  readonly at: number;
}

export interface RecipientStatus {
  readonly stage: Stage;
  readonly reported: boolean;
  readonly trained: boolean;
  /** The earliest time of each kind of event seen. */
  readonly firstAt: Readonly<Partial<Record<TrackingEventKind, number>>>;
}

export const SCHEDULED: RecipientStatus = Object.freeze({
  stage: 'scheduled',
  reported: false,
  trained: false,
  firstAt: Object.freeze({}),
});

const RANK = new Map<Stage, number>(STAGES.map((stage, index) => [stage, index]));

/** The status after one more event; the input is never changed. */
export function applyEvent(status: RecipientStatus, event: TrackingEvent): RecipientStatus {
  const known = status.firstAt[event.kind];
  const firstAt = known === undefined || event.at < known ? { ...status.firstAt, [event.kind]: event.at } : status.firstAt;
  let stage = status.stage;
  if (event.kind !== 'reported' && event.kind !== 'trained' && rank(event.kind) > rank(stage)) stage = event.kind;
  return {
    stage,
    reported: status.reported || event.kind === 'reported',
    trained: status.trained || event.kind === 'trained',
    firstAt,
  };
}

/** The status a list of events leads to, in whatever order they are given. */
export function statusOf(events: Iterable<TrackingEvent>, from: RecipientStatus = SCHEDULED): RecipientStatus {
  let status = from;
  for (const event of events) status = applyEvent(status, event);
  return status;
}

/** Whether the recipient reached `stage` (a submit implies a click, a click a delivery…). */
export function reached(status: RecipientStatus, stage: Stage): boolean {
  return rank(status.stage) >= rank(stage);
}

function rank(stage: Stage): number {
  return RANK.get(stage) ?? 0;
}
