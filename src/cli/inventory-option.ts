import { findInventory, loadInventory } from '../targets/inventory.js';
import type { Inventory } from '../targets/inventory.js';

/** For commands without an experiment: `--inventory FILE`, else firedrill.inventory.yaml here. */
export function inventoryFor(explicit: string | undefined): Inventory | undefined {
  const file = findInventory(explicit, [process.cwd()]);
  return file ? loadInventory(file) : undefined;
}
