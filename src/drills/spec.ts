import { stringify } from 'yaml';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import type { Problem } from '../errors.js';
import { issuesToProblems } from '../experiment/issues.js';
import { probeActivitySchema } from '../experiment/schema.js';
import { YamlSource } from '../experiment/yaml-source.js';
import { monkeySchema } from './kinds/monkey.js';
import { blackoutSchema, scheduleDurationSchema, scheduleSchema } from './schedule/index.js';

const name = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'lowercase letters, digits, dot, dash and underscore, at most 100');

/** What must hold right before a launch; a failing one skips it, with the reason. */
const preconditionsSchema = z.strictObject({
  noIncident: z.boolean().default(true).describe('skip while an incident is open for the team (or for every team)'),
  outageChecker: probeActivitySchema
    .optional()
    .describe("a probe that says all is clear (a status page, the incident tool's API): skip while its tolerance is not met"),
  concurrency: z.enum(['forbid', 'allow']).default('forbid').describe('forbid: skip while another drill of the team runs'),
});

export const drillSchema = z
  .strictObject({
    name,
    title: z.string().min(1).max(200).optional(),
    team: name.describe('the team that owns it (and answers it)'),
    announcement: z
      .enum(['announced', 'window', 'unannounced'])
      .default('announced')
      .describe('announced: time and scenario told; window: that a drill comes, not when or what; unannounced: nothing'),
    facilitator: z.string().min(1).max(200).optional().describe('who "is this a drill?" names (default: who applied it)'),
    enabled: z.boolean().default(true),
    schedule: scheduleSchema,
    blackouts: z.array(blackoutSchema).default([]).describe("this drill's own blackouts, beside its team's and the global ones"),
    preconditions: preconditionsSchema.default({ noIncident: true, concurrency: 'forbid' }),
    /** A stored experiment, by name; or the monkey. */
    experiment: name.optional().describe('the stored experiment it runs (firedrill server: Experiments)'),
    vars: z.record(z.string(), z.string()).default({}).describe("the experiment's variables"),
    monkey: monkeySchema.optional(),
    gameday: name.optional().describe('a stored game day it launches (its scenario stays secret)'),
    /** Expected at least this often, or it counts as drill debt. */
    expectedEvery: scheduleDurationSchema.optional().describe('drill debt: not launched within this long (e.g. 2d, 1w)'),
  })
  .superRefine((drill, ctx) => {
    if ([drill.experiment, drill.monkey, drill.gameday].filter((kind) => kind !== undefined).length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'a drill runs one of: an experiment (experiment: NAME), the monkey (monkey: …), a game day (gameday: NAME)',
      });
    }
    // One clock per group needs a drawn schedule: groups on a cron or a date would all strike at once.
    if (drill.monkey?.groupBy !== undefined && drill.schedule.kind !== 'mtbf' && drill.schedule.kind !== 'window') {
      ctx.addIssue({
        code: 'custom',
        path: ['monkey', 'groupBy'],
        message: `groupBy gives each target group its own clock: it needs an mtbf or window schedule, not ${drill.schedule.kind}`,
      });
    }
  });

export const drillsFileSchema = z.strictObject({
  blackouts: z.array(blackoutSchema).default([]).describe('when no drill of any team launches'),
  teams: z
    .record(name, z.strictObject({ blackouts: z.array(blackoutSchema).default([]) }))
    .default({})
    .describe("each team's own blackouts"),
  drills: z.array(drillSchema).default([]),
});

export type DrillSpec = z.output<typeof drillSchema>;
export type DrillsFile = z.output<typeof drillsFileSchema>;

/** The kind a drill launches: an experiment, the monkey or a game day; techniques and campaigns plug in here. */
export function drillKind(drill: DrillSpec): 'experiment' | 'monkey' | 'gameday' {
  return drill.monkey ? 'monkey' : drill.gameday ? 'gameday' : 'experiment';
}

/** Reads a drills file: every problem at once, at its line and column, or the drills and blackouts. */
export function loadDrillsText(file: string, text: string): { file: DrillsFile; source: YamlSource; texts: string[] } {
  const parsed = YamlSource.parse(file, text);
  if (!parsed.source) throw new ValidationError(parsed.problems);
  const { source, data } = parsed;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ValidationError([source.problem([], 'a drills file is a YAML mapping with `drills:` (and optionally `blackouts:`)')]);
  }
  const result = drillsFileSchema.safeParse(data);
  const problems: Problem[] = result.success ? [] : issuesToProblems(result.error.issues, source, drillsFileSchema, data);
  if (!result.success || problems.length > 0) throw new ValidationError(problems);
  const names = new Map<string, number>();
  const duplicates: Problem[] = [];
  result.data.drills.forEach((drill, i) => {
    const first = names.get(drill.name);
    if (first !== undefined)
      duplicates.push(source.problem(['drills', i, 'name'], `drill ${drill.name} is defined twice (also drills[${first}])`));
    names.set(drill.name, i);
  });
  if (duplicates.length > 0) throw new ValidationError(duplicates);
  // Each drill as written, stored beside its definition (what `firedrill drills show` prints).
  const raw = (data as { drills?: unknown[] }).drills ?? [];
  const texts = result.data.drills.map((_, i) => stringify(raw[i]));
  return { file: result.data, source, texts };
}
