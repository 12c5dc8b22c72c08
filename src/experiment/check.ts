import type { Problem } from '../errors.js';
import type { Catalog, FaultTypeInfo } from './catalog.js';
import { compileTolerance } from './tolerance.js';
import { toleranceSchema } from './tolerance-schema.js';
import { didYouMean, listNames, suggestionBudget } from '../util/suggest.js';
import { issuesToProblems } from './issues.js';
import { findStepReferences } from './variables.js';
import type { DocPath, YamlSource } from './yaml-source.js';

type Raw = Record<string, unknown>;

/**
 * Checks what the structural schema cannot: that every type exists, parameters fit the type's
 * own schema, targets and step references point somewhere real. It reads the raw document
 * defensively (anything of the wrong shape is the schema's to report) so that all problems of a
 * file come out together.
 */
export function checkExperiment(document: unknown, catalog: Catalog, source: YamlSource): Problem[] {
  const problems: Problem[] = [];
  const doc = asRecord(document);
  const targets = targetNames(doc.targets);
  const budget = suggestionBudget();
  const named = new Set<string>();
  const earlier = new Set<string>();
  const allNames = new Set(
    asArray(doc.method).flatMap((raw) => {
      const item = asRecord(raw);
      return [item, ...asArray(item.parallel).map(asRecord)].map((s) => s.name).filter((n): n is string => typeof n === 'string');
    }),
  );

  const references = (params: unknown, path: DocPath, available: ReadonlySet<string> | undefined) => {
    for (const ref of findStepReferences(params, [...path, 'params'])) {
      if (!available) {
        problems.push(
          source.problem(
            ref.path,
            `step references are not allowed here: \${steps.${ref.step}…} can only be used in method steps and rollbacks`,
          ),
        );
      } else if (!available.has(ref.step)) {
        const what = allNames.has(ref.step) ? 'a step that does not run before this one' : 'an unknown step';
        problems.push(
          source.problem(
            ref.path,
            `\${steps.${ref.step}…} refers to ${what}${didYouMean(ref.step, available, budget)}; only named steps that ran before can be used`,
          ),
        );
      }
    }
  };
  const step = (raw: unknown, path: DocPath, available: ReadonlySet<string>) => {
    const item = asRecord(raw);
    if (typeof item.name === 'string') {
      if (named.has(item.name)) problems.push(source.problem([...path, 'name'], `step name "${item.name}" is used twice`));
      named.add(item.name);
    }
    if (typeof item.fault === 'string') checkFault(item, path, catalog, { targets, budget }, source, problems);
    else if (typeof item.probe === 'string') checkProbe(item, path, 'probe', catalog, source, problems);
    else if (typeof item.action === 'string') checkProbe(item, path, 'action', catalog, source, problems);
    else return;
    references(item.params, path, available);
  };

  asArray(doc.method).forEach((raw, index) => {
    const item = asRecord(raw);
    const path = ['method', index];
    if (Array.isArray(item.parallel)) {
      // The group's own names join `earlier` only after it: its steps cannot use each other's output.
      item.parallel.forEach((child, childIndex) => step(child, [...path, 'parallel', childIndex], earlier));
      for (const child of item.parallel) if (typeof asRecord(child).name === 'string') earlier.add(asRecord(child).name as string);
    } else {
      step(item, path, earlier);
    }
    if (typeof item.name === 'string') earlier.add(item.name);
  });

  asArray(asRecord(doc.hypothesis).probes).forEach((raw, index) => {
    const path = ['hypothesis', 'probes', index];
    checkProbe(asRecord(raw), path, 'probe', catalog, source, problems);
    references(asRecord(raw).params, path, undefined);
  });
  asArray(doc.guardrails).forEach((raw, index) => {
    const path = ['guardrails', index];
    const guardrail = asRecord(raw);
    checkProbe(guardrail, path, 'probe', catalog, source, problems);
    if (typeof guardrail.probe === 'string' && catalog.probes.get(guardrail.probe)?.monitor) {
      problems.push(
        source.problem(
          [...path, 'probe'],
          `a guardrail samples its probe itself every interval: use a point probe such as http or tcp, not ${guardrail.probe}`,
        ),
      );
    }
    references(guardrail.params, path, undefined);
  });
  asArray(doc.rollbacks).forEach((raw, index) => {
    const path = ['rollbacks', index];
    checkProbe(asRecord(raw), path, 'action', catalog, source, problems);
    references(asRecord(raw).params, path, earlier);
  });
  return problems;
}

/** What of the inventory the loader checks references against. */
export interface InventoryNames {
  readonly file: string;
  readonly services: ReadonlyMap<string, unknown>;
  readonly proxies: ReadonlyMap<string, unknown>;
  readonly agents: ReadonlyMap<string, unknown>;
}

/**
 * Selectors through the inventory (services, labels, proxies, other hosts) need one, and what
 * they name must be in it.
 */
export function checkInventoryReferences(document: unknown, inventory: InventoryNames | null, source: YamlSource): Problem[] {
  const problems: Problem[] = [];
  const budget = suggestionBudget();
  // Listed once per section, not once per problem: an inventory may be large too.
  const listed = new Map<ReadonlyMap<string, unknown>, { names: string[]; text: string }>();
  const missing = (what: 'service' | 'proxy' | 'agent', name: string, known: ReadonlyMap<string, unknown>, path: DocPath) => {
    const plural = { service: 'services', proxy: 'proxies', agent: 'agents' }[what];
    let section = listed.get(known);
    if (!section) {
      const names = [...known.keys()];
      section = { names, text: listNames(names) || 'none' };
      listed.set(known, section);
    }
    const hint = didYouMean(name, section.names, budget);
    problems.push(source.problem(path, `no ${what} "${name}" in ${inventory?.file ?? 'the inventory'}${hint}; ${plural}: ${section.text}`));
  };
  for (const [name, raw] of Object.entries(asRecord(asRecord(document).targets))) {
    const kind = asRecord(raw).kind;
    const selector = asRecord(asRecord(raw).selector);
    const path = ['targets', name, 'selector'];
    const host = kind === 'host' && typeof selector.name === 'string' && selector.name !== 'local' ? selector.name : undefined;
    const throughInventory = kind === 'proxy' || host !== undefined || selector.service !== undefined || selector.labels !== undefined;
    if (!throughInventory) continue;
    if (!inventory) {
      problems.push(
        source.problem(
          path,
          'selects through the inventory, but no firedrill.inventory.yaml was found next to the experiment or in the working directory (or pass --inventory FILE)',
        ),
      );
    } else if (kind === 'proxy' && typeof selector.name === 'string' && !inventory.proxies.has(selector.name)) {
      missing('proxy', selector.name, inventory.proxies, [...path, 'name']);
    } else if (host !== undefined && !inventory.agents.has(host)) {
      missing('agent', host, inventory.agents, [...path, 'name']);
    } else if (typeof selector.service === 'string' && !inventory.services.has(selector.service)) {
      missing('service', selector.service, inventory.services, [...path, 'service']);
    }
  }
  return problems;
}

/** Target set names as the file defines them: own keys only, never Object's `constructor`. */
interface TargetNames {
  readonly names: readonly string[];
  readonly sets: ReadonlyMap<string, unknown>;
}

function targetNames(raw: unknown): TargetNames {
  const sets = new Map(Object.entries(asRecord(raw)));
  return { names: [...sets.keys()], sets };
}

function checkFault(
  step: Raw,
  path: DocPath,
  catalog: Catalog,
  { targets, budget }: { targets: TargetNames; budget: { letters: number } },
  source: YamlSource,
  problems: Problem[],
): void {
  const name = step.fault as string;
  const type = catalog.faults.get(name);
  if (!type) {
    problems.push(
      source.problem(
        [...path, 'fault'],
        `unknown fault type "${name}"${didYouMean(name, catalog.faults.keys())}; known: ${[...catalog.faults.keys()].join(', ')}`,
      ),
    );
    return;
  }
  if (step.target === undefined) {
    if (type.targetKind !== 'host')
      problems.push(source.problem(path, `fault ${name} needs a target: a target set of kind ${type.targetKind}`));
  } else if (typeof step.target === 'string') {
    const set = targets.sets.get(step.target);
    const { names } = targets;
    if (set === undefined) {
      const defined = names.length ? `; defined: ${listNames(names)}` : '; define it under targets:';
      const hint = didYouMean(step.target, names, budget);
      problems.push(source.problem([...path, 'target'], `unknown target set "${step.target}"${hint}${defined}`));
    } else {
      const kind = asRecord(set).kind;
      if (typeof kind === 'string' && kind !== type.targetKind) {
        problems.push(
          source.problem(
            [...path, 'target'],
            `fault ${name} acts on ${type.targetKind} targets, but "${step.target}" is a ${kind} target set`,
          ),
        );
      }
    }
  }
  checkParams(type.params, step.params, [...path, 'params'], source, problems);
}

function checkProbe(
  activity: Raw,
  path: DocPath,
  role: 'probe' | 'action',
  catalog: Catalog,
  source: YamlSource,
  problems: Problem[],
): void {
  const name = activity[role];
  if (typeof name !== 'string') return;
  const type = catalog.probes.get(name);
  if (!type) {
    problems.push(
      source.problem(
        [...path, role],
        `unknown ${role} type "${name}"${didYouMean(name, catalog.probes.keys())}; known: ${[...catalog.probes.keys()].join(', ')}`,
      ),
    );
    return;
  }
  checkParams(type.params, activity.params, [...path, 'params'], source, problems);
  // A tolerance of the wrong shape is the schema's to report; compile only well-formed ones.
  const tolerance = toleranceSchema.safeParse(activity.tolerance);
  if (activity.tolerance !== undefined && tolerance.success) {
    for (const problem of compileTolerance(tolerance.data, type).problems) {
      problems.push(source.problem([...path, 'tolerance', ...problem.path], problem.message));
    }
  }
}

/** Validates parameters against a type's schema; values holding step references wait for run time. */
function checkParams(schema: FaultTypeInfo['params'], raw: unknown, path: DocPath, source: YamlSource, problems: Problem[]): void {
  if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) return;
  const params = raw ?? {};
  const result = schema.safeParse(params);
  if (result.success) return;
  const deferred = findStepReferences(params).map((ref) => ref.path.join('\u0000'));
  const issues = result.error.issues.filter((issue) => {
    const key = issue.path.join('\u0000');
    return !deferred.some((ref) => ref === key || ref.startsWith(`${key}\u0000`) || key.startsWith(`${ref}\u0000`));
  });
  for (const problem of issuesToProblems(issues, source, schema, params, path)) problems.push(problem);
}

function asRecord(value: unknown): Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
