import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Ledger } from '../../src/agent-daemon/ledger.js';
import type { AnyFaultType, FaultContext, FaultType } from '../../src/engine/fault.js';

/**
 * Small fault types that expose what the executor did to them. Their effect is a marker file
 * named with the tag in the work directory, so tests can see it come and go.
 */
const params = z.strictObject({ failInject: z.boolean().default(false) });
type Params = z.output<typeof params>;

export function marker(ctx: FaultContext<unknown>): string {
  return join(ctx.workDir, `${ctx.tag}.marker`);
}

export interface Calls {
  reverts: { faultId: string; state: unknown }[];
}

/** Creates the marker; with `failInject`, fails right after creating it. */
export function markerFault(calls: Calls, extra: Partial<FaultType<Params>> = {}): AnyFaultType {
  const type: FaultType<Params> = {
    name: 'marker',
    summary: 'test fault: a marker file',
    targetKind: 'host',
    params,
    reversible: true,
    inject(ctx) {
      writeFileSync(marker(ctx), ctx.tag);
      if (ctx.params.failInject) return Promise.reject(new Error('boom after touching'));
      return Promise.resolve({ path: marker(ctx) });
    },
    revert(ctx, state) {
      calls.reverts.push({ faultId: ctx.faultId, state });
      rmSync(marker(ctx), { force: true });
      return Promise.resolve();
    },
    verify(ctx) {
      const gone = !existsSync(marker(ctx));
      return Promise.resolve({ ok: gone, detail: gone ? 'marker gone' : 'marker still there' });
    },
    ...extra,
  };
  return type;
}

/** Its inject reads the ledger through a connection of its own: what is on disk right now. */
export function ledgerSpyFault(file: string): AnyFaultType {
  return {
    ...markerFault({ reverts: [] }),
    name: 'ledger-spy',
    inject(ctx: FaultContext<Params>) {
      const reader = new Ledger(file);
      try {
        const record = reader.latest(ctx.runId, ctx.faultId);
        return Promise.resolve({ sawStatus: record?.status ?? 'none', sawTag: record?.tag ?? 'none' });
      } finally {
        reader.close();
      }
    },
  };
}
