import { FiredrillError, errorMessage } from '../../errors.js';
import type { ToxicSpec } from '../../proxy/api.js';
import type { ToxicHooks } from '../../toxiproxy/hooks.js';
import type { HaltState, RevertedRunFault } from '../../agent-protocol/api.js';
import type { Ledger, LedgerRecord } from '../ledger.js';
import { proxyToxic } from '../../faults/proxy/toxiproxy-toxic.js';
import type { ToxiproxyScope } from './toxiproxy-scope.js';

/** The run id under which the ledger keeps toxics made through the Toxiproxy API. */
export const TOXIPROXY_RUN = 'toxiproxy';

export interface ToxiproxyFaultsDeps {
  readonly ledger: Ledger;
  readonly scope: ToxiproxyScope;
  readonly halted: () => HaltState | null;
  readonly workDir: string;
}

/**
 * Toxics made through the Toxiproxy API are faults too: each gets an intent record before it is
 * added (invariant 1), halt removes them and refuses new ones (invariant 5), and a restarted
 * agent closes their records in its recovery (the toxics died with it). They have no lease:
 * Toxiproxy clients never renew one, and a test suite's toxic must stay until it removes it.
 */
export class ToxiproxyFaults implements ToxicHooks {
  readonly #records = new Map<string, { proxy: string; id: string; recordId: number }>();

  constructor(private readonly deps: ToxiproxyFaultsDeps) {}

  beforeAdd(proxy: string, spec: ToxicSpec): void {
    const halted = this.deps.halted();
    if (halted)
      throw new FiredrillError('FD_HALTED', `Firedrill is halted since ${halted.at} (${halted.reason}): no toxic is added until resume`);
    if (this.#records.has(key(proxy, spec.id))) return; // an update of a toxic already recorded
    const info = this.deps.scope.get(proxy);
    const record = this.deps.ledger.recordIntent(
      {
        runId: TOXIPROXY_RUN,
        faultId: `${proxy}.${spec.id}`,
        step: 'Toxiproxy API',
        type: 'proxy-toxic',
        target: { kind: 'proxy', name: proxy, listen: info?.listen ?? '', upstream: info?.upstream ?? '' },
        params: { toxic: spec.id },
        tag: spec.id,
        workDir: this.deps.workDir,
      },
      { durable: proxyToxic.volatile !== true },
    );
    this.deps.ledger.markActive(record.id, { proxy });
    this.#records.set(key(proxy, spec.id), { proxy, id: spec.id, recordId: record.id });
  }

  afterRemove(proxy: string, id: string): void {
    const entry = this.#records.get(key(proxy, id));
    if (!entry) return;
    this.#records.delete(key(proxy, id));
    const now = Date.now();
    this.deps.ledger.markReverted(entry.recordId, {
      revertedAt: now,
      verifiedAt: now,
      verification: { ok: true, detail: `toxic ${id} removed from proxy ${proxy}` },
    });
  }

  /** Live toxics are not a crash's leftovers: recovery must leave their records alone. */
  owns(record: LedgerRecord): boolean {
    return (
      record.runId === TOXIPROXY_RUN &&
      this.#records.get(key(record.target.kind === 'proxy' ? record.target.name : '', record.tag))?.recordId === record.id
    );
  }

  /** Halt or shutdown: every Toxiproxy toxic removed and checked, proxies taken down brought back. */
  async revertAll(reason: string): Promise<RevertedRunFault[]> {
    const entries = [...this.#records.values()];
    const reverted = await Promise.all(entries.map((entry) => this.#revert(entry, reason)));
    await Promise.all(
      this.deps.scope
        .list()
        .filter((p) => !p.enabled)
        .map((p) => this.deps.scope.update(p.name, { enabled: true }).catch(() => undefined)),
    );
    return reverted;
  }

  async #revert(entry: { proxy: string; id: string; recordId: number }, reason: string): Promise<RevertedRunFault> {
    this.#records.delete(key(entry.proxy, entry.id));
    let error: string | undefined;
    try {
      if (this.deps.scope.get(entry.proxy)?.toxics.some((t) => t.id === entry.id)) await this.deps.scope.removeToxic(entry.proxy, entry.id);
    } catch (caught) {
      error = errorMessage(caught);
    }
    const revertedAt = Date.now();
    const left = this.deps.scope.get(entry.proxy)?.toxics.some((t) => t.id === entry.id) ?? false;
    const verification = left
      ? { ok: false, detail: `toxic ${entry.id} is still on proxy ${entry.proxy}${error ? `: ${error}` : ''}` }
      : { ok: true, detail: `toxic ${entry.id} removed from proxy ${entry.proxy} (${reason})` };
    const outcome = { revertedAt, verifiedAt: Date.now(), verification, ...(error ? { error } : {}) };
    if (verification.ok) this.deps.ledger.markReverted(entry.recordId, outcome);
    else this.deps.ledger.markRevertFailed(entry.recordId, outcome);
    return { runId: TOXIPROXY_RUN, faultId: `${entry.proxy}.${entry.id}`, revertedAt, verifiedAt: outcome.verifiedAt, verification };
  }
}

function key(proxy: string, id: string): string {
  return `${proxy}\u0000${id}`;
}
