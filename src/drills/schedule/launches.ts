import { compileBlackout, covers } from './blackout.js';
import { cronLaunches } from './cron.js';
import { MtbfPlan } from './mtbf.js';
import type { Blackout, ScheduleSpec } from './schema.js';
import { timeZone } from './zone.js';
import { WindowPlan } from './window-draw.js';

/** A due launch; one in a blackout is still listed, with the blackout that skips it. */
export interface Launch {
  readonly at: number;
  readonly skipped?: { readonly blackout: string };
}

export interface LaunchQuery {
  /** Exclusive: launches strictly after this instant (ms since the epoch)… */
  readonly after: number;
  /** …up to and including this one. */
  readonly until: number;
  /** Mixed into the draws (the drill's id): two drills with the same seed launch at different moments. */
  readonly key: string;
  readonly blackouts?: readonly Blackout[];
}

/**
 * The launches due in (after, until], ascending. Pure: the same schedule and key give the same
 * instants for a period whatever `after` is, so a scheduler can ask again and again.
 *
 * @example nextLaunches(spec, { after: now, until: now + 86_400_000, key: drill.id, blackouts })
 *   // [{ at: 1798189200000 }, { at: 1798275600000, skipped: { blackout: 'christmas' } }]
 */
export function nextLaunches(spec: ScheduleSpec, query: LaunchQuery): Launch[] {
  const { after, until, key } = query;
  if (!Number.isFinite(after) || !Number.isFinite(until))
    throw new RangeError(`after and until must be instants in ms, got ${after} and ${until}`);
  if (until <= after) return [];
  const instants = dueInstants(spec, key, after, until);
  const blackouts = query.blackouts ?? [];
  if (blackouts.length === 0) return instants.map((at) => ({ at }));
  const compiled = blackouts.map(compileBlackout);
  return instants.map((at) => {
    const blackout = compiled.find((b) => covers(b, at));
    return blackout ? { at, skipped: { blackout: blackout.blackout.name } } : { at };
  });
}

function dueInstants(spec: ScheduleSpec, key: string, after: number, until: number): number[] {
  switch (spec.kind) {
    case 'cron':
      return cronLaunches(spec.cron, timeZone(spec.timezone), after, until);
    case 'once':
      return spec.at > after && spec.at <= until ? [spec.at] : [];
    case 'window':
      return planOf(spec.window, key, () => new WindowPlan(spec.window, key)).launches(after, until);
    case 'mtbf':
      return planOf(spec.mtbf, key, () => new MtbfPlan(spec.mtbf, key)).launches(after, until);
  }
}

interface Plan {
  launches(after: number, until: number): number[];
}

/**
 * Plans by spec object and key: a scheduler asks about the same parsed specs pass after pass,
 * and a plan keeps its compiled windows and the periods it has drawn (the answer is the same
 * either way: a period's draw depends on the spec, the key and the period only).
 */
const plans = new WeakMap<object, Map<string, Plan>>();

function planOf(spec: object, key: string, make: () => Plan): Plan {
  let byKey = plans.get(spec);
  if (!byKey) plans.set(spec, (byKey = new Map<string, Plan>()));
  let plan = byKey.get(key);
  if (!plan) byKey.set(key, (plan = make()));
  return plan;
}
