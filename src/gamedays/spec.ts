import { z } from 'zod';
import { ValidationError } from '../errors.js';
import type { Problem } from '../errors.js';
import { durationSchema } from '../experiment/basic-schema.js';
import { DECLARATIONS, expectationSchema } from '../experiment/expectation-schema.js';
import { issuesToProblems } from '../experiment/issues.js';
import { probeActivitySchema } from '../experiment/schema.js';
import { YamlSource } from '../experiment/yaml-source.js';

const name = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'lowercase letters, digits, dot, dash and underscore, at most 100');
const user = z.string().min(1).max(200);

/** When a step is injected: at an offset from the launch, after a team declared something of an earlier step, or when the facilitator says. */
const triggerSchema = z.union([
  z.strictObject({ at: durationSchema.describe('after the launch (0: at once)') }),
  z.strictObject({
    after: z.strictObject({ step: name, declared: z.enum(DECLARATIONS) }).describe('once a team declared this of an earlier step'),
    delay: durationSchema.default(0),
  }),
  z.strictObject({ manual: z.literal(true).describe('when the facilitator injects it (POST …/inject)') }),
]);

const stepSchema = z.strictObject({
  name,
  experiment: name.describe('the stored experiment it runs (its expectations apply too)'),
  vars: z.record(z.string(), z.string()).default({}),
  trigger: triggerSchema.default({ at: 0 }),
  cause: z
    .strictObject({ service: z.string().min(1).optional(), fault: z.string().min(1).optional() })
    .optional()
    .describe('what the responders should diagnose: the service hit and the kind of fault'),
  containment: probeActivitySchema.optional().describe('a probe that turns green once the responders contained it'),
  expectations: z.array(expectationSchema).default([]).describe("added to the experiment's own"),
});

/** The ground truth of an intrusion the responders reconstruct, beyond the techniques its steps detonate (those are known). */
const intrusionSchema = z.strictObject({
  entryPoint: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('how the intruder got in: an ATT&CK id (T1110.001) or words; default: the first technique detonated'),
  hosts: z
    .array(z.string().min(1).max(200))
    .max(100)
    .optional()
    .describe('the hosts the intrusion touched, as the responders should name them; default: the targets of its techniques'),
});

/** The facilitator's targets, from each injection: the timings a team is scored against. */
const targetsSchema = z.strictObject({
  slo: z
    .number()
    .gt(0)
    .lt(100)
    .optional()
    .describe("the service's availability objective in % (99.9): the review says how much of its error budget the incident spent"),
  sloWindowDays: z.number().int().min(1).max(366).default(30).describe('the window of that objective, in days'),
  detect: durationSchema.optional(),
  acknowledge: durationSchema.optional(),
  contain: durationSchema.optional(),
  recover: durationSchema.optional(),
});

export const gameDaySchema = z
  .strictObject({
    name,
    title: z.string().min(1).max(200).describe("the scenario's title: villains and facilitators only"),
    publicTitle: z.string().min(1).max(200).default('Game day').describe('what responders and observers see of it'),
    facilitator: user.optional().describe('who runs it (default: who applied it)'),
    villains: z.array(user).default([]).describe('who wrote the scenario: they read it, responders never do until the reveal'),
    teams: z.record(name, z.array(user).min(1)).describe('the responder teams and their members'),
    observers: z.array(user).default([]),
    targets: targetsSchema.default({ sloWindowDays: 30 }),
    maxDuration: durationSchema.default(7_200_000).describe('it ends by itself after this long'),
    intrusion: intrusionSchema.optional().describe('a simulated intrusion: what the responders reconstruct is scored against this'),
    scenario: z.array(stepSchema).min(1).max(20),
  })
  .superRefine((day, ctx) => {
    if (Object.keys(day.teams).length === 0)
      ctx.addIssue({ code: 'custom', path: ['teams'], message: 'a game day needs at least one responder team' });
    const seen = new Set<string>();
    day.scenario.forEach((step, i) => {
      if (seen.has(step.name))
        ctx.addIssue({ code: 'custom', path: ['scenario', i, 'name'], message: `step ${step.name} is defined twice` });
      if ('after' in step.trigger && !seen.has(step.trigger.after.step))
        ctx.addIssue({
          code: 'custom',
          path: ['scenario', i, 'trigger', 'after', 'step'],
          message: `${step.trigger.after.step} is not a step before this one`,
        });
      seen.add(step.name);
    });
  });

export type GameDaySpec = z.output<typeof gameDaySchema>;
export type GameDayStep = GameDaySpec['scenario'][number];
export type StepTrigger = GameDayStep['trigger'];

/** Reads a game-day file: every problem at its line and column, or the definition. */
export function loadGameDayText(file: string, text: string): { spec: GameDaySpec; source: YamlSource } {
  const parsed = YamlSource.parse(file, text);
  if (!parsed.source) throw new ValidationError(parsed.problems);
  const result = gameDaySchema.safeParse(parsed.data);
  const problems: Problem[] = result.success ? [] : issuesToProblems(result.error.issues, parsed.source, gameDaySchema, parsed.data);
  if (!result.success || problems.length > 0) throw new ValidationError(problems);
  return { spec: result.data, source: parsed.source };
}
