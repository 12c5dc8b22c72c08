import type { RunEventBody } from '../engine/events.js';
import type { AnyFaultType } from '../engine/fault.js';
import { describeTarget } from '../engine/target.js';
import { isTechnique } from '../techniques/technique.js';
import type { StepProgress, TechniqueProgress } from './progress.js';

/** A stored run event as the driver reads it: its sequence number and time, and its body when it is one this reads. */
export interface SeenEvent {
  readonly seq: number;
  readonly at: number;
  readonly body?: RunEventBody;
}

/**
 * Takes a step run's new events into its progress: the first injection (the step's clock),
 * each security technique detonated (the attack's ground truth: its ATT&CK id, on what, when)
 * and when the defenders contained it, checked where it runs. The step counts as contained
 * once every technique it detonated is — the time of the last one.
 */
export function takeRunEvents(state: StepProgress, events: readonly SeenEvent[], faults: ReadonlyMap<string, AnyFaultType>): void {
  for (const { seq, at, body: event } of events) {
    state.eventsSeen = Math.max(state.eventsSeen ?? 0, seq);
    if (event?.type === 'fault-injected') {
      state.injectedAt ??= at;
      const type = faults.get(event.faultType);
      if (type && isTechnique(type)) {
        const technique: TechniqueProgress = {
          faultId: event.faultId,
          id: type.attack.id,
          name: type.attack.name,
          fault: event.faultType,
          // The host as responders name it: the host target's name, else what it ran on.
          target: event.target.kind === 'host' ? event.target.name : describeTarget(event.target),
          at,
        };
        (state.techniques ??= []).push(technique);
      }
    } else if (event?.type === 'fault-contained') {
      const technique = state.techniques?.find((t) => t.faultId === event.faultId);
      if (technique && technique.containedAt === undefined) Object.assign(technique, { containedAt: at, contained: event.detail });
    }
  }
  const techniques = state.techniques ?? [];
  if (state.containedAt === undefined && techniques.length > 0 && techniques.every((t) => t.containedAt !== undefined)) {
    state.containedAt = Math.max(...techniques.map((t) => t.containedAt ?? 0));
    state.containedBy = techniques.length === 1 ? (techniques[0]?.contained ?? '') : `every technique contained (${techniques.length})`;
  }
}
