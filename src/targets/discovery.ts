import { basename } from 'node:path';
import type { TargetSet } from '../experiment/schema.js';
import type { TargetDiscovery } from '../engine/target.js';
import type { ProcessMatch, ProcessTarget, ResolvedTarget } from '../engine/target.js';
import { UserError } from '../errors.js';
import type { Inventory, InventoryService } from './inventory.js';
import { findMatching } from './match.js';
import { assertSafeToSignal, listProcesses, readProcess } from './proc.js';
import type { ProcessInfo } from './proc.js';

/** An agent on another host that can list its processes (AgentClient). */
export interface ProcessFinder {
  findProcesses(match: ProcessMatch): Promise<ProcessTarget[]>;
}

/**
 * Finds targets: processes from /proc, narrowed by the selector's fields (all must hold);
 * `service` and `labels` go through the inventory, and a service on another host is looked up
 * by that host's agent. Firedrill itself, its ancestors and pid 1 are never candidates.
 */
export class LocalDiscovery implements TargetDiscovery {
  constructor(
    private readonly inventory: Inventory | undefined,
    private readonly agents: ReadonlyMap<string, ProcessFinder> = new Map(),
  ) {}

  async discover(name: string, set: TargetSet): Promise<ResolvedTarget[]> {
    if (set.kind === 'host') {
      const host = set.selector.name;
      return [{ kind: 'host', name: host, ...(host === 'local' ? {} : { agent: host }) }];
    }
    if (set.kind === 'proxy') {
      const { name: wanted, labels } = set.selector;
      return [...(this.inventory?.proxies.values() ?? [])].filter(
        (proxy) => (wanted === undefined || proxy.name === wanted) && hasLabels(proxy.labels, labels),
      );
    }
    const selector = set.selector;
    let candidates: ProcessTarget[];
    if (selector.service !== undefined || selector.labels !== undefined) {
      const perService = await Promise.all(
        this.services(name, selector.service, selector.labels).map((service) => this.processesOf(service)),
      );
      candidates = perService.flat();
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
    return candidates.filter(
      (t) =>
        (pids === undefined || pids.has(t.pid)) &&
        (selector.name === undefined || t.name === selector.name || basename(t.cmdline.split(' ')[0] ?? '') === selector.name) &&
        (cmdline === undefined || cmdline.test(t.cmdline)) &&
        (t.agent !== undefined || isSafe(t.pid)),
    );
  }

  private async processesOf(service: InventoryService): Promise<ProcessTarget[]> {
    if (service.agent === undefined) return findMatching(service.match).map((info) => fromService(plain(info), service));
    const agent = this.agents.get(service.agent);
    if (!agent)
      throw new UserError('FD_UNKNOWN_AGENT', `service ${service.name} runs on agent ${service.agent}, which this run cannot reach`);
    // The remote agent applies its own safety rules: it never returns its own process.
    return (await agent.findProcesses(service.match)).map((found) => fromService(found, service));
  }

  private services(setName: string, service: string | undefined, labels: Readonly<Record<string, string>> | undefined): InventoryService[] {
    if (!this.inventory)
      throw new UserError('FD_NO_INVENTORY', `target set ${setName} selects by service or labels, but there is no inventory file`);
    return [...this.inventory.services.values()].filter(
      (s) => (service === undefined || s.name === service) && hasLabels(s.labels, labels),
    );
  }
}

/** Whether `labels` carries every wanted label; own keys only, so `constructor: x` matches nothing inherited. */
function hasLabels(labels: Readonly<Record<string, string>> | undefined, wanted: Readonly<Record<string, string>> | undefined): boolean {
  return Object.entries(wanted ?? {}).every(([k, v]) => labels !== undefined && Object.hasOwn(labels, k) && labels[k] === v);
}

function plain(info: ProcessInfo): ProcessTarget {
  return { kind: 'process', pid: info.pid, name: info.comm, cmdline: info.cmdline };
}

function fromService(found: ProcessTarget, service: InventoryService): ProcessTarget {
  return {
    kind: 'process',
    pid: found.pid,
    name: found.name,
    cmdline: found.cmdline,
    service: service.name,
    labels: service.labels,
    match: service.match,
    ...(service.start ? { start: service.start } : {}),
    ...(service.agent ? { agent: service.agent } : {}),
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
