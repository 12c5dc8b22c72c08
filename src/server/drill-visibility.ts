import type { DrillInfo, LaunchInfo } from '../store/drills.js';
import type { Principal } from '../store/users.js';
import { can } from './policy.js';

/**
 * Who may know of a drill: the white cell (admins, facilitators) of every one; everyone who may
 * read experiments of an announced one. A drill announced by `window` or not at all is not
 * known to the others until one of its launches is revealed (at its end, by a facilitator, on
 * halt) — and then only that launch.
 */
export function mayKnowDrill(principal: Principal, drill: DrillInfo): boolean {
  if (can(principal, 'secrets.all')) return true;
  return drill.announcement === 'announced' && can(principal, 'experiments.read');
}

export function mayKnowLaunch(principal: Principal, drill: DrillInfo, launch: LaunchInfo): boolean {
  if (mayKnowDrill(principal, drill)) return true;
  return launch.revealedAt !== null && can(principal, 'experiments.read');
}

export function drillView(principal: Principal, drill: DrillInfo, nextLaunchAt?: number) {
  return {
    id: drill.id,
    name: drill.name,
    title: drill.title,
    team: drill.team,
    kind: drill.kind,
    announcement: drill.announcement,
    facilitator: drill.facilitator,
    enabled: drill.enabled,
    createdBy: drill.createdBy,
    updatedAt: drill.updatedAt,
    nextLaunchAt: nextLaunchAt ?? null,
    spec: mayKnowDrill(principal, drill) ? drill.spec : null,
  };
}

export function launchView(drill: DrillInfo, launch: LaunchInfo) {
  return {
    id: launch.id,
    drill: drill.name,
    title: drill.title,
    team: drill.team,
    kind: drill.kind,
    announcement: drill.announcement,
    dueAt: launch.dueAt,
    state: launch.state,
    reason: launch.reason,
    runId: launch.runId,
    launchedAt: launch.launchedAt,
    endedAt: launch.endedAt,
    verdict: launch.verdict,
    revealedAt: launch.revealedAt,
  };
}
