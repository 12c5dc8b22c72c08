import type { ExpectationRecord } from '../engine/expectation.js';
import type { GameDaySpec, GameDayStep } from './spec.js';

/** One step of a game day as it goes; every time in ms since the epoch, kept in the store. */
export interface StepProgress {
  readonly name: string;
  state: 'waiting' | 'running' | 'ended';
  triggeredAt?: number;
  runId?: string;
  /** The first fault injected (the clock of every measure of the step), or the run's start when it injects nothing. */
  injectedAt?: number;
  endedAt?: number;
  verdict?: string;
  reason?: string;
  /** When its containment probe first turned green, or every technique it detonated was found contained; and how. */
  containedAt?: number;
  containedBy?: string;
  /** The security techniques its run detonated: the attack's ground truth. */
  techniques?: TechniqueProgress[];
  /** The step run's events read so far (the last seq). */
  eventsSeen?: number;
  /** When the experiment's hypothesis first failed after the injection, and when it held again after that. */
  brokenAt?: number;
  recoveredAt?: number;
  /** The hypothesis probed about every second from the injection until the step settles: how often, how often it failed, and the time that made. */
  checks?: number;
  failedChecks?: number;
  downMs?: number;
  expectations?: ExpectationRecord[];
}

/** A technique a step detonated: its ATT&CK id, the fault that did it, on what, when, and when it was found contained. */
export interface TechniqueProgress {
  readonly faultId: string;
  readonly id: string;
  readonly name: string;
  readonly fault: string;
  readonly target: string;
  readonly at: number;
  containedAt?: number;
  contained?: string;
}

export interface Progress {
  steps: StepProgress[];
  paused: boolean;
  /** Commands made before this instant are read (those of an earlier play of the day too). */
  commandsReadUntil: number;
  /** Why it ended: every step done, the facilitator, its maxDuration, a halt. */
  endedReason?: string;
  halted?: boolean;
  /** The drill launch that played it (the id the drill scheduler gave it), when a drill did. */
  launchRef?: string;
}

/** The progress of a game day launched at `launchedAt`: the commands of an earlier play are not this one's. */
export function firstProgress(spec: GameDaySpec, launchedAt: number, launchRef?: string): Progress {
  return {
    steps: spec.scenario.map((step) => ({ name: step.name, state: 'waiting' })),
    paused: false,
    commandsReadUntil: launchedAt,
    ...(launchRef !== undefined && { launchRef }),
  };
}

/** A played game day as a drill launch's verdict: halted → aborted; every step passed and every expectation met → passed. */
export function dayVerdict(progress: Progress): { verdict: string; reason: string } {
  const reason = progress.endedReason ?? '';
  if (progress.halted) return { verdict: 'aborted', reason };
  const failing = progress.steps.filter((s) => s.verdict !== 'passed' || (s.expectations ?? []).some((e) => e.status !== 'met'));
  return failing.length === 0
    ? { verdict: 'passed', reason }
    : { verdict: 'deviated', reason: `${reason}; not as expected: ${failing.map((s) => s.name).join(', ')}` };
}

/** Whether a step has nothing left to measure: its run ended, contained (if it can be), and recovered (if it broke). */
export function stepSettled(step: GameDayStep, progress: StepProgress): boolean {
  if (progress.state !== 'ended') return false;
  if (step.containment && progress.containedAt === undefined) return false;
  return progress.brokenAt === undefined || progress.recoveredAt !== undefined;
}
