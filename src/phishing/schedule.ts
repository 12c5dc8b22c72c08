import { UserError } from '../errors.js';
import { DAY, instantToLocal, localToInstant, timeZone } from '../drills/schedule/zone.js';
import { seededRandom } from '../util/random.js';
import type { Random } from '../util/random.js';

/**
 * The sending plan: when each recipient's lure leaves.
 *
 *   "09:00–17:00 Europe/Paris, weekdays, over 3 days, at most 20 a minute, random order"
 *
 * The window's open time on the plan's days is laid end to end; recipients, shuffled with the
 * seed, get equal slots of it, each sent at a seeded moment inside its slot. Slots are never
 * shorter than 60 s / perMinute and a send is placed at most slot − gap − 1 ms into its slot
 * (the millisecond absorbs rounding), so two sends are always at least a gap apart and no
 * minute holds more than perMinute. Window times are wall-clock times in the zone (Intl, via drills/schedule/zone.ts): 09:00 is 09:00 on both
 * sides of a DST change. Pure: the start, seed and window are inputs.
 */

export interface SendingWindow {
  /** `HH:MM`, wall clock in `timeZone`. */
  readonly from: string;
  readonly to: string;
  /** IANA zone, e.g. `Europe/Paris`. */
  readonly timeZone: string;
  /** Monday to Friday only. */
  readonly weekdaysOnly?: boolean;
}

export interface SendingPlanOptions {
  /** Epoch ms; nothing is sent before it. */
  readonly start: number;
  readonly seed: number;
  readonly window?: SendingWindow;
  /** Days the window is open on to spread over (default 1); without a window, 24-hour days. */
  readonly days?: number;
  /** At most this many sends in any minute; unlimited when absent. */
  readonly perMinute?: number;
}

export interface PlannedSend<T> {
  readonly recipient: T;
  /** Epoch ms. */
  readonly at: number;
}

const MAX_PLAN_DAYS = 60;

/** Every recipient once, ordered by send time. Throws UserError when the window cannot hold them at the rate. */
export function planSending<T>(recipients: readonly T[], options: SendingPlanOptions): PlannedSend<T>[] {
  const random = seededRandom(options.seed);
  const order = shuffle(recipients, random);
  const gap = options.perMinute === undefined ? 0 : 60_000 / checkRate(options.perMinute);
  const days = options.days ?? 1;
  if (!Number.isInteger(days) || days < 1 || days > MAX_PLAN_DAYS)
    throw new UserError('FD_PLAN_DAYS', `days: a whole number from 1 to ${MAX_PLAN_DAYS}, got ${days}`);
  const intervals = options.window
    ? windowIntervals(options.window, options.start, days)
    : [[options.start, options.start + days * DAY] as const];
  const total = intervals.reduce((sum, [from, to]) => sum + (to - from), 0);
  const slot = order.length === 0 ? 0 : total / order.length;
  if (order.length > 0 && slot < gap)
    throw new UserError(
      'FD_PLAN_TOO_TIGHT',
      `${order.length} recipients at most ${options.perMinute} a minute need ${Math.ceil((order.length * gap) / 60_000)} min; ` +
        `the window gives ${Math.floor(total / 60_000)} min over ${days} day(s): widen it, add days or raise the rate`,
    );
  return order.map((recipient, index) => ({
    recipient,
    at: instantAt(intervals, Math.floor(index * slot + random() * Math.max(0, slot - gap - 1))),
  }));
}

/** The open intervals [from, to) of the first `days` days the window is open, from `start` on. */
export function windowIntervals(window: SendingWindow, start: number, days: number): (readonly [number, number])[] {
  const from = timeOfDay(window.from, 'from');
  const to = timeOfDay(window.to, 'to');
  if (to <= from) throw new UserError('FD_PLAN_WINDOW', `window: ${window.to} is not after ${window.from} (a window stays within a day)`);
  try {
    timeZone(window.timeZone);
  } catch (error) {
    throw new UserError('FD_PLAN_WINDOW', `window: unknown time zone ${JSON.stringify(window.timeZone)}`, { cause: error });
  }
  const intervals: (readonly [number, number])[] = [];
  const first = instantToLocal(window.timeZone, start);
  for (let offset = 0; intervals.length < days && offset < days * 7 + 7; offset++) {
    const date = new Date(Date.UTC(first.year, first.month - 1, first.day + offset));
    const weekday = date.getUTCDay();
    if (window.weekdaysOnly && (weekday === 0 || weekday === 6)) continue;
    const day = { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), second: 0 };
    const open = Math.max(start, localToInstant(window.timeZone, { ...day, hour: Math.floor(from / 60), minute: from % 60 }));
    const close = localToInstant(window.timeZone, { ...day, hour: Math.floor(to / 60), minute: to % 60 });
    if (close > open) intervals.push([open, close]);
  }
  return intervals;
}

/**
 * At most `perMinute` sends in any 60 s, for the sender: `reserve()` answers when the next send
 * may go (now, or later) and counts it as sent then. The clock is injected.
 */
export class Throttle {
  private readonly sent: number[] = [];
  private readonly limit: number;

  constructor(
    perMinute: number,
    private readonly clock: () => number,
  ) {
    this.limit = checkRate(perMinute);
  }

  /** Epoch ms at which the caller may send; the send is recorded at that moment. */
  reserve(): number {
    const now = this.clock();
    const oldest = this.sent.length >= this.limit ? (this.sent[this.sent.length - this.limit] as number) : undefined;
    const at = oldest === undefined ? now : Math.max(now, oldest + 60_000);
    this.sent.push(at);
    if (this.sent.length > this.limit) this.sent.splice(0, this.sent.length - this.limit);
    return at;
  }

  /** How long to wait, in ms, before the next send would be allowed (without reserving it). */
  delay(): number {
    const now = this.clock();
    if (this.sent.length < this.limit) return 0;
    return Math.max(0, (this.sent[this.sent.length - this.limit] as number) + 60_000 - now);
  }
}

/**
 * How long to wait before retry `attempt` (1, 2, …) of a refused send: exponential from
 * `baseMs`, at most `maxMs`, with full jitter from the injected random so retries of many
 * messages spread out.
 */
export function retryDelay(attempt: number, random: Random, baseMs = 5_000, maxMs = 15 * 60_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function checkRate(perMinute: number): number {
  if (!(Number.isFinite(perMinute) && perMinute > 0)) throw new UserError('FD_PLAN_RATE', `perMinute: a positive number, got ${perMinute}`);
  return perMinute;
}

/** Minutes after midnight of `HH:MM`. */
function timeOfDay(text: string, field: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/.exec(text);
  if (!match) throw new UserError('FD_PLAN_WINDOW', `window.${field}: HH:MM, got ${JSON.stringify(text)}`);
  return match[1] === undefined ? 24 * 60 : Number(match[1]) * 60 + Number(match[2]);
}

function shuffle<T>(items: readonly T[], random: Random): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** The instant `offset` ms into the intervals laid end to end. */
function instantAt(intervals: readonly (readonly [number, number])[], offset: number): number {
  let left = offset;
  for (const [from, to] of intervals) {
    if (left < to - from) return from + left;
    left -= to - from;
  }
  const last = intervals[intervals.length - 1];
  return last ? last[1] - 1 : 0;
}
