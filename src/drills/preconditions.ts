import type { DrillInfo } from '../store/drills.js';
import type { Store } from '../store/store.js';
import { outageRefusal } from './outage-checker.js';
import type { DrillSpec } from './spec.js';

/** What the scheduler needs of the control plane's runs (the server provides it). */
export interface DrillRunner {
  newRunId(): string;
  /** Whether a run of this id was started (a replica that stopped may have started it). */
  exists(runId: string): Promise<boolean>;
  /** How the run ended, once it has (its verdict and why), or undefined. */
  ended(runId: string): Promise<{ verdict: string; reason: string } | undefined>;
  /** Tells the drills a run's end (its launch's verdict, the reveal): as the run service does when it stores the end. */
  settleEnd(end: { runId: string; verdict: string; reason: string }): Promise<void>;
  /** Why nothing may start now (Firedrill is halted), or undefined. */
  halted(): Promise<string | undefined>;
  /** Starts the drill's run under `runId`: secret for a drill not announced. */
  start(request: {
    readonly runId: string;
    readonly drill: DrillInfo;
    readonly text: { readonly name: string; readonly yaml: string };
    readonly vars: Readonly<Record<string, string>>;
    readonly secret: boolean;
  }): Promise<void>;
}

/**
 * Why the drill may not launch right now, or undefined: Firedrill halted, an incident open for
 * its team (or for every team), its outage checker not saying all clear, another drill of its
 * team running (concurrency: forbid). The
 * steady state is checked by the run itself before it injects (hypothesis "before"): a run
 * that finds the system not steady injects nothing and its launch is recorded as skipped.
 */
export async function checkLaunch(store: Store, runner: DrillRunner, drill: DrillInfo, spec: DrillSpec): Promise<string | undefined> {
  const halt = await runner.halted();
  if (halt) return `Firedrill is halted (${halt})`;
  if (spec.preconditions.noIncident) {
    const [incident] = await store.incidents.openOnes(drill.team);
    if (incident) return `an incident is open: ${incident.title} (since ${new Date(incident.openedAt).toISOString()})`;
  }
  if (spec.preconditions.outageChecker) {
    const outage = await outageRefusal(spec.preconditions.outageChecker);
    if (outage) return outage;
  }
  if (spec.preconditions.concurrency === 'forbid') {
    const active = await store.drills.active();
    if (active.length > 0) {
      const team = new Set((await store.drills.list()).filter((d) => d.team === drill.team).map((d) => d.id));
      const busy = active.find((l) => team.has(l.drillId));
      if (busy) return `another drill of team ${drill.team} is running (run ${busy.runId ?? '?'})`;
    }
  }
  return undefined;
}
