import { ValidationError } from '../errors.js';
import type { Problem } from '../errors.js';
import { checkExperiment, checkInventoryReferences } from './check.js';
import type { InventoryNames } from './check.js';
import type { Catalog } from './catalog.js';
import { issuesToProblems } from './issues.js';
import { experimentSchema } from './schema.js';
import type { Experiment } from './schema.js';
import { resolveVariables, substituteVariables } from './variables.js';
import type { VariableValue } from './variables.js';
import { YamlSource } from './yaml-source.js';
import { readInputFile } from '../util/read-file.js';

export interface LoadOptions {
  readonly catalog: Catalog;
  /** `--var name=value` */
  readonly vars?: Readonly<Record<string, string>>;
  /** `--var-file FILE`, later files win. */
  readonly varFiles?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Services of the inventory file, to check `service` selectors against; `null` when no
   * inventory was found, undefined to skip the check.
   */
  readonly inventory?: InventoryNames | null;
}

export interface LoadedExperiment {
  readonly file: string;
  readonly experiment: Experiment;
  /** Values to redact wherever the run writes. */
  readonly secrets: readonly string[];
  readonly variables: ReadonlyMap<string, VariableValue>;
}

/**
 * Reads, substitutes, validates and checks an experiment. `validate`, `run --dry-run` and `run`
 * all go through here: every problem of the file is reported at once, nothing half-loaded.
 */
export function loadExperiment(file: string, options: LoadOptions): LoadedExperiment {
  return loadExperimentText(file, readText(file, 'experiment'), options);
}

export function loadExperimentText(file: string, text: string, options: LoadOptions): LoadedExperiment {
  const parsed = YamlSource.parse(file, text);
  if (!parsed.source) throw new ValidationError(parsed.problems);
  const { source, data } = parsed;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ValidationError([source.problem([], 'an experiment is a YAML mapping with at least title and method')]);
  }

  const declared = (data as Record<string, unknown>).variables;
  const variables = resolveVariables(declared, {
    cli: options.vars ?? {},
    file: readVarFiles(options.varFiles ?? []),
    env: options.env ?? process.env,
  });
  const declaredNames = new Set(declared && typeof declared === 'object' ? Object.keys(declared) : []);
  const substituted = substituteVariables(data, variables, declaredNames);
  const problems: Problem[] = [...variables.problems, ...substituted.problems].map((p) => source.problem(p.path, p.message));

  const result = experimentSchema.safeParse(substituted.document);
  // concat, not push(...): a file may have 100,000 problems, more than a call takes arguments.
  const all = problems.concat(
    result.success ? [] : issuesToProblems(result.error.issues, source, experimentSchema, substituted.document),
    // Checked on the raw document so that type and reference problems are listed together with
    // structural ones, whatever else is wrong with the file.
    checkExperiment(substituted.document, options.catalog, source),
    options.inventory === undefined ? [] : checkInventoryReferences(substituted.document, options.inventory, source),
  );
  if (all.length > 0 || !result.success)
    throw new ValidationError(sortProblems(dedupe(all, variables.problems.length + substituted.problems.length)));
  return { file, experiment: result.data, secrets: variables.secrets, variables: variables.values };
}

function readVarFiles(files: readonly string[]): Record<string, unknown> {
  // No prototype: a variable named `toString` in no file is not Object's method.
  const merged = Object.create(null) as Record<string, unknown>;
  for (const file of files) {
    const parsed = YamlSource.parse(file, readText(file, 'variables'));
    if (!parsed.source) throw new ValidationError(parsed.problems);
    const data = parsed.data;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new ValidationError([parsed.source.problem([], 'a variables file is a mapping of name: value')]);
    }
    Object.assign(merged, data);
  }
  return merged;
}

/** An input file's text; devices, FIFOs, directories and files over 10 MB are refused unread. */
export function readText(file: string, what: string): string {
  return readInputFile(file, what);
}

/**
 * Drops repeated problems, and problems at a place whose variable could not be substituted
 * (the first `variableProblems` entries): the missing variable is the one thing to fix there.
 */
function dedupe(problems: Problem[], variableProblems: number): Problem[] {
  const seen = new Set<string>();
  const unsubstituted = new Set(problems.slice(0, variableProblems).map((p) => p.path));
  return problems.filter((p, index) => {
    if (index >= variableProblems && unsubstituted.has(p.path)) return false;
    const key = `${p.line}:${p.col}:${p.path}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
}
