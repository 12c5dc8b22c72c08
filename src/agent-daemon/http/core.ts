import { join } from 'node:path';
import type { AnyFaultType } from '../../engine/fault.js';
import type { RevertedRunFault } from '../../agent-protocol/api.js';
import { faultTypes } from '../../faults/index.js';
import { HostAllow } from '../host-allow.js';
import { Ledger, ledgerFile } from '../ledger.js';
import { LocalExecutor } from '../local-executor.js';
import type { Logger } from '../../util/log.js';
import type { SecretSet } from '../../util/redact.js';
import { HaltSwitch } from './halt-switch.js';
import { FaultKeeper } from './keeper.js';
import { Sweeper } from './sweeper.js';
import type { ProxyManager } from '../../proxy/api.js';
import { ProxyRegistry } from '../../proxy/registry.js';
import { proxyToxic } from '../../faults/proxy/toxiproxy-toxic.js';
import { ToxiproxyFaults } from './toxiproxy-faults.js';
import { ToxiproxyScope } from './toxiproxy-scope.js';

export interface AgentCoreOptions {
  readonly stateDir: string;
  readonly log: Logger;
  /** The fault types this agent runs; the built-in ones by default. */
  readonly faults?: ReadonlyMap<string, AnyFaultType>;
  readonly defaultLeaseTtlMs?: number;
  /** The fault proxies: the supervisor's when supervised (they outlive this process), else its own. */
  readonly proxies?: ProxyManager;
  /** This host's inventory (`firedrill agent --inventory`): start commands and pid files it allows. */
  readonly inventory?: string;
  /** The secrets requests told of, shared with the agent's log: the ledger keeps them out of its files. */
  readonly secrets?: SecretSet;
}

/** What an agent is without its socket: the daemon serves it, tests drive it through `app.request()`. */
export interface AgentCore {
  readonly ledger: Ledger;
  /** What requests may make this host run, read or write (allow.json, --inventory). */
  readonly allow: HostAllow;
  /** The agent's fault proxies: made again from the ledger on start, without toxics. */
  readonly proxies: ProxyManager;
  /** What the Toxiproxy-compatible API sees and records (only its own proxies). */
  readonly toxiproxy: { readonly scope: ToxiproxyScope; readonly faults: ToxiproxyFaults };
  readonly keeper: FaultKeeper;
  readonly sweeper: Sweeper;
  /** Reverts every fault (verified), waits for sweeps, closes the ledger; says what it reverted. */
  close(reason: string): Promise<RevertedRunFault[]>;
}

/** The agent's own files for faults (logs of restarted services, pid files) live under the state dir. */
export function agentWorkDir(stateDir: string): string {
  return join(stateDir, 'work');
}

export function openAgentCore(options: AgentCoreOptions): AgentCore {
  // proxy-toxic is the agent's own: recovery reverts Toxiproxy toxics with it; no file names it.
  const faults = new Map([...(options.faults ?? faultTypes), [proxyToxic.name, proxyToxic as AnyFaultType]]);
  const allow = new HostAllow({ stateDir: options.stateDir, ...(options.inventory !== undefined && { inventory: options.inventory }) });
  const ledger = new Ledger(ledgerFile(options.stateDir), { ...(options.secrets && { secrets: options.secrets }) });
  const proxies = options.proxies ?? new ProxyRegistry();
  const workDir = agentWorkDir(options.stateDir);
  const executor = new LocalExecutor({ ledger, faults, workDir, proxies, allow });
  const scope = new ToxiproxyScope(proxies);
  const toxiproxyFaults: ToxiproxyFaults = new ToxiproxyFaults({ ledger, scope, workDir, halted: () => keeper.halted() });
  const keeper: FaultKeeper = new FaultKeeper({
    ledger,
    executor,
    halt: new HaltSwitch(options.stateDir),
    log: options.log,
    external: toxiproxyFaults,
    ...(options.defaultLeaseTtlMs !== undefined && { defaultLeaseTtlMs: options.defaultLeaseTtlMs }),
  });
  const sweeper = new Sweeper({ ledger, faults, owns: (tag) => keeper.owns(tag), log: options.log, workDir });
  let closing: Promise<RevertedRunFault[]> | undefined;
  const close = async (reason: string): Promise<RevertedRunFault[]> => {
    const reverted = await keeper.shutdown(reason);
    const failed = reverted.filter((r) => !r.verification.ok);
    if (reverted.length > 0) options.log.info('reverted every fault before stopping', { reason, reverted: reverted.length });
    for (const r of failed) options.log.error('revert not verified', { runId: r.runId, faultId: r.faultId, verification: r.verification });
    await sweeper.settled();
    await proxies.close();
    await executor.close();
    return reverted;
  };
  return {
    ledger,
    allow,
    proxies,
    toxiproxy: { scope, faults: toxiproxyFaults },
    keeper,
    sweeper,
    close: (reason) => (closing ??= close(reason)),
  };
}
