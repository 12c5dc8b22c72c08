import { z } from 'zod';
import { durationSchema, nameSchema } from './basic-schema.js';
import { guardrailConditionSchema } from './condition.js';
import { expectationSchema } from './expectation-schema.js';
import { toleranceSchema } from './tolerance-schema.js';

/**
 * Experiment format v1: one zod schema for YAML files, the JSON Schema (`firedrill schema`) and,
 * later, the API and the dashboard forms. Fault and probe parameters are checked against each
 * type's own schema by the loader (src/experiment/check.ts), which knows the registries.
 */

export { durationSchema, nameSchema } from './basic-schema.js';

const paramsSchema = z
  .record(z.string(), z.unknown())
  .describe('parameters of the fault, probe or action type; see `firedrill schema` and docs/experiments.md');

const variableSchema = z.strictObject({
  description: z.string().optional(),
  type: z
    .enum(['string', 'number', 'boolean'])
    .optional()
    .describe('values from --var and the environment are converted to it; defaults to the type of `default`, else string'),
  default: z.union([z.string(), z.number(), z.boolean()]).optional().describe('used when neither --var nor --var-file gives a value'),
  env: z
    .string()
    .optional()
    .describe('read the value from this environment variable (only variables declared like this can read the environment)'),
  secret: z.boolean().default(false).describe('redact the value everywhere Firedrill writes (terminal, events, journal)'),
});

const processSelectorSchema = z
  .strictObject({
    pid: z.union([z.number().int().positive(), z.array(z.number().int().positive()).min(1)]).optional(),
    name: z.string().min(1).optional().describe('exact process name (/proc/PID/comm) or basename of argv[0]'),
    cmdline: z.string().min(1).optional().describe('regular expression tested against the command line'),
    service: z.string().min(1).optional().describe('a service of the inventory file'),
    labels: z.record(z.string(), z.string()).optional().describe('inventory services carrying all these labels'),
  })
  .refine((s) => Object.keys(s).length > 0, { message: 'a process selector needs pid, name, cmdline, service or labels' });

const proxySelectorSchema = z
  .strictObject({
    name: z.string().min(1).optional().describe('a proxy of the inventory (proxies:)'),
    labels: z.record(z.string(), z.string()).optional().describe('inventory proxies carrying all these labels'),
  })
  .refine((s) => s.name !== undefined || s.labels !== undefined, { message: 'a proxy selector needs name or labels' });

const hostSelectorSchema = z.strictObject({
  name: z.string().default('local').describe('"local": the machine Firedrill runs on'),
});

const blastRadius = {
  mode: z.enum(['all', 'one', 'count', 'percent']).default('all').describe('how many of the selected targets are hit'),
  value: z.number().positive().optional().describe('the count (mode count) or the percentage (mode percent)'),
  ifEmpty: z.enum(['fail', 'skip']).default('fail').describe('what to do when the selector matches nothing'),
  description: z.string().optional(),
};

function checkBlastRadius(set: { mode: string; value?: number | undefined }, ctx: z.RefinementCtx): void {
  const { mode, value } = set;
  if ((mode === 'count' || mode === 'percent') && value === undefined) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: `mode ${mode} needs a value` });
  } else if (mode === 'count' && value !== undefined && !Number.isInteger(value)) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: 'mode count needs a whole number' });
  } else if (mode === 'percent' && value !== undefined && value > 100) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: 'mode percent needs a value between 0 and 100' });
  } else if ((mode === 'all' || mode === 'one') && value !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: `mode ${mode} takes no value` });
  }
}

const targetSetSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('process'), selector: processSelectorSchema, ...blastRadius }),
    z.strictObject({ kind: z.literal('host'), selector: hostSelectorSchema.default({ name: 'local' }), ...blastRadius }),
    z.strictObject({ kind: z.literal('proxy'), selector: proxySelectorSchema, ...blastRadius }),
  ])
  .superRefine(checkBlastRadius);

export const probeActivitySchema = z.strictObject({
  name: nameSchema.optional(),
  probe: z.string().describe('probe type: http, tcp, command, availability'),
  params: paramsSchema.default({}),
  tolerance: toleranceSchema.optional().describe('how the output is judged; each probe type has a default'),
});

/** A probe step may wait for its tolerance to be met: "orders are accepted again within 10 s". */
const probeStepSchema = probeActivitySchema.extend({
  until: durationSchema
    .optional()
    .describe('probe again every `every` until the tolerance is met, for at most this long (the step records how long it took)'),
  every: durationSchema.default(250).describe('pause between attempts when `until` is given'),
});

const actionActivitySchema = z.strictObject({
  name: nameSchema.optional(),
  action: z.string().describe('action type: any probe type (http, command, …) run for its effect'),
  params: paramsSchema.default({}),
  tolerance: toleranceSchema.optional(),
  continueOnError: z.boolean().default(false),
});

const faultStepSchema = z.strictObject({
  name: nameSchema.optional(),
  fault: z.string().describe('fault type, e.g. process-kill, process-pause, cpu-stress'),
  target: z.string().optional().describe('a target set; host faults default to the local host'),
  params: paramsSchema.default({}),
  duration: durationSchema
    .optional()
    .describe('how long the fault stays before it is reverted; without one it stays until the method ends'),
  continueOnError: z.boolean().default(false),
});

const waitStepSchema = z.strictObject({ name: nameSchema.optional(), wait: durationSchema });

const singleStepSchema = z.union([faultStepSchema, waitStepSchema, probeStepSchema, actionActivitySchema]);

const parallelStepSchema = z.strictObject({
  name: nameSchema.optional(),
  parallel: z.array(singleStepSchema).min(1).describe('steps started together; the group ends when all have ended'),
});

const stepSchema = z.union([faultStepSchema, waitStepSchema, probeStepSchema, actionActivitySchema, parallelStepSchema]);

const guardrailSchema = z
  .strictObject({
    name: nameSchema.optional(),
    probe: z.string(),
    params: paramsSchema.default({}),
    tolerance: toleranceSchema.optional().describe('when a sample counts as a success; the probe type default otherwise'),
    condition: guardrailConditionSchema,
    window: durationSchema
      .optional()
      .describe('the sliding window the condition is computed over (default 2s, or the condition\'s "over …")'),
    interval: durationSchema.default(100).describe('how often the probe is sampled'),
    minSamples: z.number().int().positive().default(3).describe('samples needed in the window before the condition can trip'),
  })
  .transform((guardrail, ctx) => {
    const { windowMs } = guardrail.condition;
    if (windowMs !== undefined && guardrail.window !== undefined && windowMs !== guardrail.window) {
      ctx.addIssue({
        code: 'custom',
        path: ['window'],
        message: `the condition says "over" a different window than window: keep one of them`,
      });
    }
    return { ...guardrail, window: windowMs ?? guardrail.window ?? 2000 };
  });

const hypothesisSchema = z.strictObject({
  interval: durationSchema.default(1000).describe('how often the probes are checked during the method'),
  during: z.boolean().default(true).describe('check the hypothesis continuously during the method'),
  probes: z.array(probeActivitySchema).min(1),
});

const runtimeSchema = z.strictObject({
  maxDuration: durationSchema.default(1_800_000).describe('the run is aborted (every fault reverted) after this long'),
  dryRun: z.boolean().default(false).describe('resolve targets and show the plan; probe and inject nothing'),
  rollbackTimeout: durationSchema.default(30_000).describe('bound on each rollback action'),
});

export const experimentSchema = z.strictObject({
  version: z.literal(1).default(1),
  title: z.string().min(1),
  description: z.string().optional(),
  tags: z.array(z.string()).default([]),
  variables: z.record(nameSchema, variableSchema).default({}),
  targets: z.record(nameSchema, targetSetSchema).default({}),
  hypothesis: hypothesisSchema.optional(),
  method: z.array(stepSchema).min(1),
  guardrails: z.array(guardrailSchema).default([]),
  expectations: z.array(expectationSchema).default([]).describe('what must happen, and by when, once a fault is injected'),
  rollbacks: z.array(actionActivitySchema).default([]),
  runtime: runtimeSchema.default({ maxDuration: 1_800_000, dryRun: false, rollbackTimeout: 30_000 }),
});

export type Experiment = z.output<typeof experimentSchema>;
export type TargetSet = Experiment['targets'][string];
export type Step = z.output<typeof stepSchema>;
export type SingleStep = z.output<typeof singleStepSchema>;
export type FaultStep = z.output<typeof faultStepSchema>;
export type WaitStep = z.output<typeof waitStepSchema>;
export type ProbeActivity = z.output<typeof probeActivitySchema>;
export type ProbeStep = z.output<typeof probeStepSchema>;
export type ActionActivity = z.output<typeof actionActivitySchema>;
export type ParallelStep = z.output<typeof parallelStepSchema>;
export type Guardrail = z.output<typeof guardrailSchema>;
export type Hypothesis = z.output<typeof hypothesisSchema>;
export type ProcessSelector = z.output<typeof processSelectorSchema>;
