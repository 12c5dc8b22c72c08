import { dirname, resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { RunCatalog } from './catalog.js';
import { loadExperiment, loadExperimentText } from '../experiment/load.js';
import type { LoadedExperiment } from '../experiment/load.js';
import { findInventory, loadInventory } from '../targets/inventory.js';
import type { Inventory } from '../targets/inventory.js';
import { loadCatalog } from './catalog.js';

export interface ExperimentOptions {
  readonly var: readonly string[];
  readonly varFile: readonly string[];
  readonly inventory?: string;
}

export interface Prepared {
  readonly catalog: RunCatalog;
  readonly loaded: LoadedExperiment;
  readonly inventory: Inventory | undefined;
}

/** One path for `validate`, `run --dry-run` and `run`: load, substitute, validate, check. */
export async function prepareExperiment(file: string, options: ExperimentOptions): Promise<Prepared> {
  const catalog = await loadCatalog();
  const inventoryFile = findInventory(options.inventory, [dirname(resolve(file)), process.cwd()]);
  const inventory = inventoryFile ? loadInventory(inventoryFile) : undefined;
  const loaded = loadExperiment(file, {
    catalog,
    vars: parseVars(options.var),
    varFiles: options.varFile,
    inventory: inventory ?? null,
  });
  return { catalog, loaded, inventory };
}

/**
 * The same for a text that came through an API: no variable file, and no environment (the
 * server's environment is not the experiment's); the inventory is the server's own.
 */
export async function prepareExperimentText(
  name: string,
  text: string,
  options: { vars: Readonly<Record<string, string>>; inventory?: Inventory | undefined },
): Promise<Prepared> {
  const catalog = await loadCatalog();
  const { inventory } = options;
  const vars = Object.assign(Object.create(null) as Record<string, string>, options.vars);
  const loaded = loadExperimentText(name, text, { catalog, vars, env: {}, inventory: inventory ?? null });
  return { catalog, loaded, inventory };
}

export function parseVars(pairs: readonly string[]): Record<string, string> {
  // No prototype: `--var __proto__=x` is kept as a name like any other, not dropped.
  const vars = Object.create(null) as Record<string, string>;
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UserError('FD_BAD_VAR', `--var expects name=value, got "${pair}"`);
    vars[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return vars;
}
