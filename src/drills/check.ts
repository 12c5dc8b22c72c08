import { stringify } from 'yaml';
import { ValidationError, errorMessage } from '../errors.js';
import type { Problem } from '../errors.js';
import type { Catalog } from '../experiment/catalog.js';
import { loadExperimentText } from '../experiment/load.js';
import type { YamlSource } from '../experiment/yaml-source.js';
import { monkeyExperiment } from './kinds/monkey.js';
import { checkSchedule } from './schedule/index.js';
import type { Blackout } from './schedule/index.js';
import type { DrillsFile } from './spec.js';

export interface DrillCheckContext {
  readonly now: number;
  readonly catalog: Catalog;
  /** The stored experiment's latest text, by name; absent: experiments are not checked (no server). */
  readonly experimentText?: (name: string) => Promise<string | undefined>;
  /** Whether a game day of that name is stored; absent: not checked (no server). */
  readonly gamedayExists?: (name: string) => Promise<boolean>;
  /** Blackouts already stored, by team (null: every team), beside the file's own. */
  readonly blackouts?: ReadonlyMap<string | null, readonly Blackout[]>;
}

/**
 * Everything a drills file must satisfy beyond its shape, each problem at its place: a schedule
 * that can happen (not in the past, not always in a blackout), an experiment that is stored and
 * valid, a monkey whose experiment is valid. A drill refused here is never stored.
 */
export async function checkDrills(file: DrillsFile, source: YamlSource, context: DrillCheckContext): Promise<Problem[]> {
  const problems: Problem[] = [];
  const fileBlackouts = (team: string | null): readonly Blackout[] =>
    team === null ? file.blackouts : (file.teams[team]?.blackouts ?? []);
  for (const [i, drill] of file.drills.entries()) {
    const blackouts: Blackout[] = [
      ...(context.blackouts?.get(null) ?? []),
      ...(context.blackouts?.get(drill.team) ?? []),
      ...fileBlackouts(null),
      ...fileBlackouts(drill.team),
      ...drill.blackouts,
    ];
    for (const message of checkSchedule(drill.schedule, blackouts, context.now))
      problems.push(source.problem(['drills', i, 'schedule'], message));
    const experiment = (name: string, text: string, where: (string | number)[], what: string, within = '') => {
      try {
        loadExperimentText(name, text, { catalog: context.catalog, env: {}, vars: drill.vars });
      } catch (error) {
        const said =
          error instanceof ValidationError
            ? error.problems.map((p) => {
                const path = p.path?.startsWith(within) ? p.path.slice(within.length) : p.path;
                return `${path ? `${path}: ` : ''}${p.message}`;
              })
            : [errorMessage(error)];
        for (const message of said) problems.push(source.problem(where, `${what}: ${message}`));
      }
    };
    if (drill.monkey) {
      try {
        experiment(
          `${drill.name}.yaml`,
          stringify(monkeyExperiment(drill.monkey, drill.title ?? drill.name)),
          ['drills', i, 'monkey'],
          "the monkey's experiment",
        );
      } catch (error) {
        problems.push(source.problem(['drills', i, 'monkey', 'fault'], errorMessage(error)));
      }
    } else if (drill.experiment !== undefined && context.experimentText) {
      const text = await context.experimentText(drill.experiment);
      if (text === undefined) problems.push(source.problem(['drills', i, 'experiment'], `no stored experiment named ${drill.experiment}`));
      else experiment(drill.experiment, text, ['drills', i, 'experiment'], `experiment ${drill.experiment}`);
    }
    if (drill.gameday !== undefined && context.gamedayExists && !(await context.gamedayExists(drill.gameday)))
      problems.push(source.problem(['drills', i, 'gameday'], `no stored game day named ${drill.gameday}`));
    const checker = drill.preconditions.outageChecker;
    if (checker) {
      // Checked as the probe of an experiment's hypothesis is: its type, parameters and tolerance.
      const probing = { title: 'outage checker', hypothesis: { probes: [checker] }, method: [{ name: 'w', wait: '1ms' }] };
      const where = ['drills', i, 'preconditions', 'outageChecker'];
      experiment('outage-checker.yaml', stringify(probing), where, 'the outage checker', 'hypothesis.probes[0].');
    }
  }
  return problems;
}
