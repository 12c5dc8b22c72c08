import { detonated, runObservations, stepObservations } from '../coverage/observation.js';
import type { TechniqueObservation } from '../coverage/observation.js';
import type { FaultRecord, Journal } from '../engine/journal.js';
import type { Progress } from '../gamedays/progress.js';
import type { Store } from '../store/store.js';
import type { Principal } from '../store/users.js';
import type { GameDayService } from './gameday-service.js';
import { involvement } from './gameday-visibility.js';
import { can } from './policy.js';
import { mayKnowRun } from './run-visibility.js';

/** Runs read per page of the store's list. */
const PAGE = 500;

/**
 * The technique observations `principal` may know of — and nothing else: a standalone run only
 * when they may know the run (a secret one, an unannounced drill's, only once revealed); a game
 * day's steps only when they read its scenario or it is revealed (as its review). A game day's
 * step runs count through the game day (one observation per team), never also as runs of their
 * own, so a day revealed to some is not counted twice for others.
 */
export async function visibleObservations(store: Store, gamedays: GameDayService, principal: Principal): Promise<TechniqueObservation[]> {
  const observations: TechniqueObservation[] = [];
  const stepRuns = new Set<string>();
  for (const day of await store.gamedays.list()) {
    const progress = day.progress as Progress | null;
    for (const step of progress?.steps ?? []) if (step.runId) stepRuns.add(step.runId);
    const involved = involvement(principal, day);
    if (!progress || !involved || (involved.as !== 'scenario' && day.revealedAt === null)) continue;
    const measures = await gamedays.measures(day);
    for (const [i, step] of progress.steps.entries()) {
      const measured = measures[i];
      if (!step.runId || step.injectedAt === undefined || !measured) continue;
      const techniqueIds = detonated(await faultsOf(store, step.runId));
      if (techniqueIds.length === 0) continue;
      observations.push(
        ...stepObservations({
          gameday: { id: day.id, title: day.title },
          step: step.name,
          injectedAt: step.injectedAt,
          techniqueIds,
          teams: measured.teams.map((t) => ({ team: t.team, detect: t.timings.detect })),
        }),
      );
    }
  }
  if (!can(principal, 'experiments.read')) return observations;
  const secrets = can(principal, 'secrets.all') || can(principal, 'secrets.own') ? 'all' : 'revealed';
  for (let before: { createdAt: number; id: string } | undefined; ;) {
    const page = await store.runs.list({ before, limit: PAGE, secrets });
    for (const run of page) {
      if (run.state !== 'ended' || run.dryRun || stepRuns.has(run.id) || !mayKnowRun(principal, run)) continue;
      const journal = (await store.runs.journal(run.id)) as Journal | undefined;
      if (!journal) continue;
      observations.push(...runObservations({ ...journal, id: run.id, title: run.title }));
    }
    const last = page.at(-1);
    if (page.length < PAGE || !last) break;
    before = { createdAt: last.createdAt, id: last.id };
  }
  return observations;
}

/** A step run's faults: from its journal once it ended, from its events while it runs. */
async function faultsOf(store: Store, runId: string): Promise<readonly Pick<FaultRecord, 'type' | 'injectedAt'>[]> {
  const journal = (await store.runs.journal(runId)) as Journal | undefined;
  if (journal) return journal.faults;
  const events = await store.runs.events(runId, 0, 100_000);
  return events
    .filter((e) => e.type === 'fault-injected')
    .map((e) => ({ type: (JSON.parse(e.data) as { faultType: string }).faultType, injectedAt: new Date(e.at).toISOString() }));
}
