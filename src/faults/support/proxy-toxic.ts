import { z } from 'zod';
import { FiredrillError, UserError } from '../../errors.js';
import type { FaultContext, FaultType, Verification } from '../../engine/fault.js';
import type { ProxyTarget } from '../../engine/target.js';
import type { ProxyInfo, ProxyManager, Stream, ToxicAttributes } from '../../proxy/api.js';

/**
 * Proxy faults are toxics on a fault proxy of the agent: the toxic carries the fault's tag as
 * its id, so revert removes exactly it and verify checks it is gone. Proxies live in the agent's
 * memory: after a crash the restarted agent recreates its proxies without toxics, so a revert
 * with no state finds nothing to remove, which is right.
 */
export const streamParam = (fallback: Stream) =>
  z
    .enum(['upstream', 'downstream', 'both'])
    .default(fallback)
    .describe('which way: upstream (client → service), downstream (service → client) or both');

export const toxicityParam = z
  .number()
  .min(0)
  .max(1)
  .default(1)
  .describe('probability, per connection, that the fault applies to it (0..1)');

export interface ToxicState {
  readonly proxy: string;
  readonly toxic: string;
  [key: string]: unknown;
}

export interface ToxicFaultOptions<P> {
  readonly name: string;
  readonly summary: string;
  readonly params: z.ZodType<P>;
  readonly toxic: (params: P) => { stream: Stream; toxicity: number; attributes: ToxicAttributes };
}

export function toxicFault<P>(options: ToxicFaultOptions<P>): FaultType<P, ToxicState> {
  return {
    name: options.name,
    summary: options.summary,
    targetKind: 'proxy',
    params: options.params,
    reversible: true,
    volatile: true, // a toxic lives in the agent's proxy: it cannot outlive Firedrill's processes
    async inject(ctx) {
      const { proxies, target } = proxyOf(ctx, true);
      proxies.addToxic(target.name, { id: ctx.tag, ...options.toxic(ctx.params) });
      await proxies.settled?.(); // active when inject returns, wherever the proxy lives
      return { proxy: target.name, toxic: ctx.tag };
    },
    revert: revertToxic,
    verify: verifyToxicGone,
  };
}

/** Removes the fault's toxic (its id is the fault's tag) if it is still there. */
export async function revertToxic(ctx: FaultContext<unknown>): Promise<void> {
  const { proxies, target, proxy } = proxyOf(ctx, false);
  if (proxy?.toxics.some((t) => t.id === ctx.tag)) await proxies.removeToxic(target.name, ctx.tag);
}

export function verifyToxicGone(ctx: FaultContext<unknown>): Promise<Verification> {
  const { target, proxy } = proxyOf(ctx, false);
  // After a restart of the agent the proxy may not exist yet (or any more): nothing is left.
  if (!proxy) return Promise.resolve({ ok: true, detail: `proxy ${target.name} is not running: no toxic left` });
  const left = proxy.toxics.some((t) => t.id === ctx.tag);
  return Promise.resolve(
    left
      ? { ok: false, detail: `proxy ${target.name} still has toxic ${ctx.tag}` }
      : { ok: true, detail: `proxy ${target.name} no longer carries toxic ${ctx.tag}` },
  );
}

/**
 * The proxy manager, the proxy target and the proxy of a fault. Injecting needs the proxy;
 * reverting does not (a restarted agent has no toxics to remove).
 */
export function proxyOf(
  ctx: FaultContext<unknown>,
  mustExist: boolean,
): { proxies: ProxyManager; target: ProxyTarget; proxy: ProxyInfo | undefined } {
  if (ctx.target.kind !== 'proxy') throw new UserError('FD_TARGET_KIND', `proxy faults need a proxy target, got ${ctx.target.kind}`);
  if (!ctx.proxies) throw new FiredrillError('FD_NO_PROXIES', 'this executor runs no fault proxies');
  const proxy = ctx.proxies.get(ctx.target.name);
  if (!proxy && mustExist) {
    throw new UserError(
      'FD_PROXY_NOT_FOUND',
      `no proxy ${ctx.target.name} on this agent: declare it in the inventory (proxies:) so runs create it`,
    );
  }
  return { proxies: ctx.proxies, target: ctx.target, proxy };
}
