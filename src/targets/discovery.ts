import { basename } from 'node:path';
import type { TargetSet } from '../experiment/schema.js';
import type { TargetDiscovery } from '../engine/run.js';
import type { ProcessTarget, ResolvedTarget } from '../engine/target.js';
import { UserError } from '../errors.js';
import type { Inventory, InventoryService } from './inventory.js';
import { findMatching } from './match.js';
import { assertSafeToSignal, listProcesses, readProcess } from './proc.js';
import type { ProcessInfo } from './proc.js';

/**
 * Finds targets on this machine: processes from /proc, narrowed by the selector's fields (all
 * must hold); `service` and `labels` go through the inventory. Firedrill itself, its ancestors
 * and pid 1 are never candidates.
 */
export class LocalDiscovery implements TargetDiscovery {
  constructor(private readonly inventory: Inventory | undefined) {}

  discover(name: string, set: TargetSet): Promise<ResolvedTarget[]> {
    if (set.kind === 'host') return Promise.resolve([{ kind: 'host', name: set.selector.name }]);
    const selector = set.selector;
    let candidates: ProcessTarget[];
    if (selector.service !== undefined || selector.labels !== undefined) {
      candidates = this.services(name, selector.service, selector.labels).flatMap((service) =>
        findMatching(service.match).map((info) => fromService(info, service)),
      );
    } else if (selector.pid !== undefined) {
      const pids = Array.isArray(selector.pid) ? selector.pid : [selector.pid];
      candidates = pids.flatMap((pid) => {
        const info = readProcess(pid);
        return info && info.state !== 'Z' ? [plain(info)] : [];
      });
    } else {
      candidates = listProcesses().map(plain);
    }
    const cmdline = selector.cmdline === undefined ? undefined : new RegExp(selector.cmdline);
    const pids = selector.pid === undefined ? undefined : new Set(Array.isArray(selector.pid) ? selector.pid : [selector.pid]);
    return Promise.resolve(
      candidates.filter(
        (t) =>
          (pids === undefined || pids.has(t.pid)) &&
          (selector.name === undefined || t.name === selector.name || basename(t.cmdline.split(' ')[0] ?? '') === selector.name) &&
          (cmdline === undefined || cmdline.test(t.cmdline)) &&
          isSafe(t.pid),
      ),
    );
  }

  private services(setName: string, service: string | undefined, labels: Readonly<Record<string, string>> | undefined): InventoryService[] {
    if (!this.inventory) throw new UserError('FD_NO_INVENTORY', `target set ${setName} selects by service or labels, but there is no inventory file`);
    return [...this.inventory.services.values()].filter(
      (s) => (service === undefined || s.name === service) && Object.entries(labels ?? {}).every(([k, v]) => s.labels[k] === v),
    );
  }
}

function plain(info: ProcessInfo): ProcessTarget {
  return { kind: 'process', pid: info.pid, name: info.comm, cmdline: info.cmdline };
}

function fromService(info: ProcessInfo, service: InventoryService): ProcessTarget {
  return {
    ...plain(info),
    service: service.name,
    labels: service.labels,
    match: service.match,
    ...(service.start ? { start: service.start } : {}),
  };
}

function isSafe(pid: number): boolean {
  try {
    assertSafeToSignal(pid);
    return true;
  } catch {
    return false;
  }
}
