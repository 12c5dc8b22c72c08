import { z } from 'zod';
import { durationSchema } from '../../experiment/schema.js';

/** The label a service (or a link) carries to be drawn by the monkey, unless the drill names another. */
export const OPT_IN_LABEL = 'firedrill/opt-in';

const pickSchema = z.union([
  z.literal('one'),
  z.strictObject({ count: z.int().min(1).max(1000) }),
  z.strictObject({ percent: z.number().gt(0).max(100) }),
]);

/**
 * "Switch off a random server": a target drawn at launch among the opted-in ones only — the
 * opt-in label is added to the selector, so a service without it can never be drawn.
 */
export const monkeySchema = z.strictObject({
  fault: z.string().min(1).describe('the fault to inject, e.g. process-kill, process-pause, proxy-down, cpu-stress'),
  params: z.record(z.string(), z.unknown()).default({}),
  duration: durationSchema.describe('how long the fault holds (a kill without restart: how long the service stays down)'),
  targets: z
    .strictObject({
      service: z.string().min(1).optional().describe('an inventory service (or link) name'),
      labels: z.record(z.string(), z.string()).default({}).describe('inventory labels the target must carry'),
    })
    .default({ labels: {} }),
  optIn: z
    .strictObject({ label: z.string().min(1).default(OPT_IN_LABEL), value: z.string().default('true') })
    .default({ label: OPT_IN_LABEL, value: 'true' })
    .describe('only targets carrying this label (value "true" by default) can be drawn'),
  pick: pickSchema.default('one').describe('the blast radius: one, { count: N } or { percent: P }'),
  groupBy: z
    .string()
    .min(1)
    .optional()
    .describe(
      'per target group (kube-monkey style): one schedule clock per value of this label among the candidates — ' +
        'an app, a datacenter — each launch drawing only within its group; with an mtbf or window schedule',
    ),
  hypothesis: z.record(z.string(), z.unknown()).optional().describe("the experiment's steady-state hypothesis, as in an experiment"),
  guardrails: z.array(z.unknown()).optional().describe('as in an experiment'),
});

export type MonkeySpec = z.output<typeof monkeySchema>;

/** Links are hurt through their proxy; processes directly; the rest are host faults (not drawn by label). */
export function targetKindOf(fault: string): 'process' | 'proxy' | 'host' {
  if (fault.startsWith('proxy-') || fault.startsWith('http-')) return 'proxy';
  if (fault.startsWith('process-')) return 'process';
  return 'host';
}

/**
 * The experiment a monkey launch runs: one fault on the drawn target(s), with the drill's
 * hypothesis and guardrails. The opt-in label is part of the selector: the engine's own target
 * discovery never sees a service without it. A host fault is refused (hosts carry no labels).
 */
export function monkeyExperiment(monkey: MonkeySpec, title: string, group?: string): Record<string, unknown> {
  const kind = targetKindOf(monkey.fault);
  if (kind === 'host') throw new Error(`the monkey draws processes and links by label; ${monkey.fault} is a host fault`);
  const inGroup = monkey.groupBy !== undefined && group !== undefined ? { [monkey.groupBy]: group } : {};
  const selector: Record<string, unknown> = {
    labels: { ...monkey.targets.labels, ...inGroup, [monkey.optIn.label]: monkey.optIn.value },
  };
  if (monkey.targets.service !== undefined) selector[kind === 'proxy' ? 'name' : 'service'] = monkey.targets.service;
  const radius =
    monkey.pick === 'one'
      ? { mode: 'one' }
      : 'count' in monkey.pick
        ? { mode: 'count', value: monkey.pick.count }
        : { mode: 'percent', value: monkey.pick.percent };
  return {
    title: group === undefined ? title : `${title} (${monkey.groupBy ?? 'group'} ${group})`,
    tags: ['monkey'],
    targets: { victim: { kind, selector, ...radius } },
    ...(monkey.hypothesis && { hypothesis: monkey.hypothesis }),
    method: [{ name: 'monkey', fault: monkey.fault, target: 'victim', params: monkey.params, duration: `${monkey.duration}ms` }],
    ...(monkey.guardrails && { guardrails: monkey.guardrails }),
  };
}

type MonkeyInventory =
  | {
      services: ReadonlyMap<string, { name: string; labels: Readonly<Record<string, string>>; agent?: string }>;
      proxies: ReadonlyMap<string, { name: string; labels?: Readonly<Record<string, string>> }>;
    }
  | undefined;

/** What the monkey could draw now: the inventory's opted-in services (or links) that match its selector. */
export function monkeyCandidates(
  monkey: MonkeySpec,
  inventory: MonkeyInventory,
): { kind: 'process' | 'proxy'; name: string; agent?: string }[] {
  return drawable(monkey, inventory).map(({ kind, name, agent }) => ({ kind, name, ...(agent !== undefined && { agent }) }));
}

/** The target groups of a monkey with `groupBy`: the values of that label among its candidates, sorted (none without it). */
export function monkeyGroups(monkey: MonkeySpec, inventory: MonkeyInventory): string[] {
  const label = monkey.groupBy;
  if (label === undefined) return [];
  const values = drawable(monkey, inventory).flatMap((c) => (c.labels?.[label] === undefined ? [] : [c.labels[label]]));
  return [...new Set(values)].sort();
}

function drawable(
  monkey: MonkeySpec,
  inventory: MonkeyInventory,
): { kind: 'process' | 'proxy'; name: string; agent?: string; labels?: Readonly<Record<string, string>> }[] {
  const kind = targetKindOf(monkey.fault);
  if (kind === 'host' || !inventory) return [];
  const wanted = { ...monkey.targets.labels, [monkey.optIn.label]: monkey.optIn.value };
  const carries = (labels: Readonly<Record<string, string>> | undefined) => Object.entries(wanted).every(([k, v]) => labels?.[k] === v);
  const named = (name: string) => monkey.targets.service === undefined || monkey.targets.service === name;
  if (kind === 'proxy')
    return [...inventory.proxies.values()]
      .filter((p) => named(p.name) && carries(p.labels))
      .map((p) => ({ kind, name: p.name, ...(p.labels && { labels: p.labels }) }));
  return [...inventory.services.values()]
    .filter((s) => named(s.name) && carries(s.labels))
    .map((s) => ({ kind, name: s.name, labels: s.labels, ...(s.agent !== undefined && { agent: s.agent }) }));
}
