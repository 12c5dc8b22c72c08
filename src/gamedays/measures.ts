import type { StoredAlert } from '../store/alerts.js';
import type { GameDayEvent } from '../store/gamedays.js';
import type { ExpectationRecord } from '../engine/expectation.js';
import type { Progress } from './progress.js';
import type { GameDaySpec, GameDayStep } from './spec.js';
import { alertMatches } from '../expectations/alert.js';

/** A declaration (or a command), and a received alert, as the measures read them. */
export type DayEvent = Pick<GameDayEvent, 'kind' | 'team' | 'what' | 'by' | 'at' | 'detail' | 'cause'>;
export type DayAlert = Pick<StoredAlert, 'source' | 'status' | 'labels' | 'annotations' | 'receivedAt'>;

export type Phase = 'detect' | 'acknowledge' | 'contain' | 'recover';

export interface Timing {
  /** From the step's injection, ms; absent when it did not happen. */
  readonly ms?: number;
  /** How it is known: an alert, a declaration, a probe. */
  readonly by?: string;
  /** The facilitator's target for it, and whether it was met. */
  readonly targetMs?: number;
  readonly onTarget?: boolean;
}

export interface TeamMeasures {
  readonly team: string;
  readonly timings: Readonly<Record<Phase, Timing>>;
  /** What the team said caused it, and whether that is what was injected (undefined: nothing to compare with). */
  readonly diagnosis?: { readonly ms: number; readonly said: string; readonly correct: boolean | undefined };
}

export interface StepMeasures {
  readonly step: string;
  readonly injectedAt?: number;
  readonly verdict?: string;
  readonly reason?: string;
  /** The injected cause, as the scenario names it. */
  readonly cause?: { readonly service?: string; readonly fault?: string };
  readonly expectations: readonly ExpectationRecord[];
  /** The hypothesis broke at this offset (ms after the injection); undefined when users saw nothing. */
  readonly brokenMs?: number;
  /** What users saw, from the hypothesis checks while the step was measured; and the SLO's error budget that cost. */
  readonly impact?: {
    readonly checks: number;
    readonly failedChecks: number;
    readonly availabilityPercent: number;
    readonly downMs: number;
    readonly budgetSpentPercent?: number;
  };
  readonly teams: readonly TeamMeasures[];
  /** The security techniques the step detonated: ATT&CK id, on what, and when each was found contained (ms after the injection). */
  readonly attack?: readonly AttackMeasure[];
}

export interface AttackMeasure {
  readonly id: string;
  readonly name: string;
  readonly fault: string;
  readonly target: string;
  readonly atMs: number;
  readonly containedMs?: number;
  readonly contained?: string;
}

/**
 * The measures of a game day, per step and per team — never per person: from each injection, the
 * time to detect (the first alert received or the team's "detected"), to acknowledge, to contain
 * (the containment probe green, else the team's "contained"), to recover (the hypothesis holding
 * again, measured by its probes — never by a declaration), each against the facilitator's target;
 * and whether the team's diagnosis names what was injected.
 */
export function measureGameDay(
  spec: GameDaySpec,
  progress: Progress,
  events: readonly DayEvent[],
  alerts: readonly DayAlert[],
): StepMeasures[] {
  return spec.scenario.map((step, i) => {
    const state = progress.steps[i];
    const injectedAt = state?.injectedAt;
    const base = {
      step: step.name,
      expectations: state?.expectations ?? [],
      ...(step.cause && { cause: step.cause }),
      ...(state?.verdict !== undefined && { verdict: state.verdict }),
      ...(state?.reason !== undefined && { reason: state.reason }),
    };
    if (injectedAt === undefined || !state) return { ...base, teams: [] };
    const after = (at: number | undefined) => (at !== undefined && at >= injectedAt ? at - injectedAt : undefined);
    const firstAlert = alerts.find((a) => a.status === 'firing' && a.receivedAt >= injectedAt && signalsStep(step, a));
    const timing = (phase: Phase, ms: number | undefined, by: string | undefined): Timing => {
      const target = spec.targets[phase];
      return {
        ...(ms !== undefined && { ms }),
        ...(ms !== undefined && by && { by }),
        ...(target !== undefined && { targetMs: target, onTarget: ms !== undefined && ms <= target }),
      };
    };
    const teams = Object.keys(spec.teams).map((team): TeamMeasures => {
      const declared = (what: string) =>
        events.find((e) => e.kind === 'declare' && e.team === team && e.what === what && e.at >= injectedAt);
      const detected = earliest([
        [after(firstAlert?.receivedAt), `alert ${firstAlert?.labels.alertname ?? ''}`.trim()],
        [after(declared('detected')?.at), `declared by ${declared('detected')?.by ?? ''}`],
      ]);
      const contained: [number | undefined, string] =
        state.containedAt !== undefined
          ? [after(state.containedAt), state.containedBy ?? 'containment probe']
          : [after(declared('contained')?.at), `declared by ${declared('contained')?.by ?? ''}`];
      const diagnosis = declared('diagnosed');
      return {
        team,
        timings: {
          detect: timing('detect', ...detected),
          acknowledge: timing('acknowledge', after(declared('acknowledged')?.at), `declared by ${declared('acknowledged')?.by ?? ''}`),
          contain: timing('contain', ...contained),
          recover: timing('recover', after(state.recoveredAt), 'hypothesis probes'),
        },
        ...(diagnosis && {
          diagnosis: {
            ms: diagnosis.at - injectedAt,
            said: describeCause(diagnosis),
            correct: diagnosisCorrect(step.cause, diagnosis.cause),
          },
        }),
      };
    });
    return {
      ...base,
      injectedAt,
      ...(state.brokenAt !== undefined && { brokenMs: state.brokenAt - injectedAt }),
      ...impactOf(spec, state),
      teams,
      ...(state.techniques?.length && {
        attack: state.techniques.map((t) => ({
          id: t.id,
          name: t.name,
          fault: t.fault,
          target: t.target,
          atMs: t.at - injectedAt,
          ...(t.containedAt !== undefined && { containedMs: t.containedAt - injectedAt, contained: t.contained ?? '' }),
        })),
      }),
    };
  });
}

/** A step whose expectations wait for alerts is detected by one of those; any other step, by any alert. */
function signalsStep(step: GameDayStep, alert: DayAlert): boolean {
  const wanted = step.expectations.flatMap((e) => (e.alert && !e.never ? [e.alert] : []));
  return wanted.length === 0 || wanted.some((matcher) => alertMatches({ ...matcher, status: 'firing' }, alert));
}

function earliest(candidates: readonly (readonly [number | undefined, string])[]): [number | undefined, string | undefined] {
  const known = candidates.filter((c): c is readonly [number, string] => c[0] !== undefined).sort((a, b) => a[0] - b[0]);
  return known[0] ? [known[0][0], known[0][1]] : [undefined, undefined];
}

function describeCause(event: DayEvent): string {
  const parts = [event.cause?.service && `service ${event.cause.service}`, event.cause?.fault && `fault ${event.cause.fault}`].filter(
    Boolean,
  );
  return [parts.join(', '), event.detail].filter(Boolean).join(': ') || 'no cause named';
}

/** Each part the scenario names must be what the team said (case and spacing aside); nothing named: not scored. */
export function diagnosisCorrect(
  injected: { readonly service?: string; readonly fault?: string } | undefined,
  said: { readonly service?: string; readonly fault?: string } | null,
): boolean | undefined {
  if (!injected || (injected.service === undefined && injected.fault === undefined)) return undefined;
  const same = (a: string | undefined, b: string | undefined) =>
    a === undefined || (b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase());
  return same(injected.service, said?.service) && same(injected.fault, said?.fault);
}

/** The step's checks as availability, and the share of the SLO window's error budget its downtime spent. */
function impactOf(spec: GameDaySpec, state: Progress['steps'][number]): Pick<StepMeasures, 'impact'> {
  const checks = state.checks ?? 0;
  if (checks === 0) return {};
  const failedChecks = state.failedChecks ?? 0;
  const downMs = state.downMs ?? 0;
  const { slo, sloWindowDays } = spec.targets;
  const budgetMs = slo === undefined ? undefined : ((100 - slo) / 100) * sloWindowDays * 86_400_000;
  return {
    impact: {
      checks,
      failedChecks,
      availabilityPercent: Math.round(((checks - failedChecks) / checks) * 10_000) / 100,
      downMs,
      ...(budgetMs !== undefined && { budgetSpentPercent: Math.round((downMs / budgetMs) * 10_000) / 100 }),
    },
  };
}
