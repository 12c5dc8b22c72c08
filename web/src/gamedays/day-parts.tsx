// Small parts of the game-day pages: the state in words, offsets from the launch, a trigger said plainly.
import type { GameDayState, StepProgress, StepTrigger } from '../api.js';
import { Badge, duration } from '../ui/parts.js';

const STATE_CLASS: Readonly<Record<GameDayState, string>> = { draft: '', running: 'live', ended: 'good' };

/** draft, running (and paused), ended: a word, never a colour alone. */
export function DayState({ state, paused = false }: { state: GameDayState; paused?: boolean | undefined }) {
  return (
    <span className="day-state">
      <span className={`badge ${STATE_CLASS[state]}`}>{state}</span>
      {state === 'running' && paused && <span className="badge warn">paused</span>}
    </span>
  );
}

/** A step: its verdict once its run ended, its state before. */
export function StepState({ step }: { step: StepProgress }) {
  if (step.verdict) return <Badge verdict={step.verdict} />;
  return <span className={`badge ${step.state === 'running' ? 'live' : ''}`}>{step.state}</span>;
}

/** `+12.3 s` after the launch, or — before. */
export function offset(at: number | null | undefined, from: number | null | undefined): string {
  if (at === null || at === undefined || from === null || from === undefined) return '—';
  return `+${duration(Math.max(0, at - from))}`;
}

export function describeTrigger(trigger: StepTrigger): string {
  if ('manual' in trigger) return 'when the facilitator injects it';
  if ('at' in trigger) return trigger.at === 0 ? 'at the launch' : `${duration(trigger.at)} after the launch`;
  const delay = trigger.delay > 0 ? ` + ${duration(trigger.delay)}` : '';
  return `once ${trigger.after.step} is declared ${trigger.after.declared}${delay}`;
}

/** What each declaration means, in the responders' words. */
export const DECLARED: Readonly<Record<string, string>> = {
  detected: 'we see something',
  acknowledged: 'we own it',
  diagnosed: 'suspected cause',
  contained: 'contained',
  recovered: 'recovered',
};
