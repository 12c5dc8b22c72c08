import type { GameDaySpec } from '../gamedays/spec.js';
import type { GameDayEvent, GameDayInfo } from '../store/gamedays.js';
import type { Principal } from '../store/users.js';
import { can } from './policy.js';

/** How a principal takes part in a game day: reads its scenario, responds in a team, observes — or knows nothing of it. */
export type Involvement =
  { readonly as: 'scenario' } | { readonly as: 'team'; readonly teams: readonly string[] } | { readonly as: 'observer' };

/**
 * The white cell (admins, facilitators), the day's facilitator and its villains read the
 * scenario; the members of its teams and its observers see a console (its public title, their
 * declarations) and nothing of the scenario until the reveal; anyone else gets 404.
 */
export function involvement(principal: Principal, gameday: GameDayInfo): Involvement | undefined {
  const spec = gameday.spec as GameDaySpec;
  const name = principal.name;
  if (can(principal, 'secrets.all') || spec.facilitator === name || (spec.villains.includes(name) && can(principal, 'secrets.own')))
    return { as: 'scenario' };
  const teams = Object.entries(spec.teams)
    .filter(([, members]) => members.includes(name))
    .map(([team]) => team);
  if (teams.length > 0 && can(principal, 'experiments.read')) return { as: 'team', teams };
  if (spec.observers.includes(name) && can(principal, 'experiments.read')) return { as: 'observer' };
  return undefined;
}

/** What the principal sees of it: everything once revealed or for the scenario's readers; a console otherwise. */
export function gameDayView(involved: Involvement, gameday: GameDayInfo, events: readonly GameDayEvent[], principalName = '') {
  const spec = gameday.spec as GameDaySpec;
  const common = {
    id: gameday.id,
    publicTitle: spec.publicTitle,
    state: gameday.state,
    launchedAt: gameday.launchedAt,
    endedAt: gameday.endedAt,
    revealed: gameday.revealedAt !== null,
    teams: Object.keys(spec.teams),
  };
  // Before the day: who confirmed their console reaches them (the white cell sees everyone; a member, themselves).
  const declarations = events
    .filter((e) => e.kind === 'declare' && (involved.as !== 'team' || (e.team !== null && involved.teams.includes(e.team))))
    .map((e) => ({ team: e.team, declare: e.what, by: e.by, at: e.at, detail: e.detail, cause: e.cause }));
  // A team's reconstructions: its own until the reveal.
  const findings = events
    .filter((e) => e.kind === 'finding' && (involved.as !== 'team' || (e.team !== null && involved.teams.includes(e.team))))
    .map((e) => ({
      team: e.team,
      by: e.by,
      at: e.at,
      detail: e.detail,
      ...(e.cause?.techniques && { techniques: e.cause.techniques }),
      ...(e.cause?.entryPoint !== undefined && { entryPoint: e.cause.entryPoint }),
      ...(e.cause?.hosts && { hosts: e.cause.hosts }),
    }));
  const reached = new Map(events.filter((e) => e.kind === 'comcheck').map((e) => [e.by, e.at]));
  const everyone = [...Object.values(spec.teams).flat(), ...spec.observers];
  if (involved.as === 'scenario' || gameday.revealedAt !== null)
    return {
      ...common,
      name: gameday.name,
      title: gameday.title,
      spec,
      progress: gameday.progress,
      declarations,
      findings,
      commands: events.filter((e) => e.kind === 'command').map((e) => ({ command: e.what, step: e.detail, by: e.by, at: e.at })),
      comcheck: Object.fromEntries(everyone.map((name) => [name, reached.get(name) ?? null])),
      you: involved,
    };
  return { ...common, declarations, findings, comcheck: { you: reached.get(principalName) ?? null }, you: involved };
}
