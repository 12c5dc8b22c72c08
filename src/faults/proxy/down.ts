import { z } from 'zod';
import type { FaultType } from '../../engine/fault.js';
import { proxyOf } from '../support/proxy-toxic.js';

const params = z.strictObject({}).describe('proxy-down takes no parameters: the step duration is how long the link stays down.');

type State = { proxy: string; [key: string]: unknown };

/** The link is cut: the proxy closes every connection and refuses new ones until reverted. */
export const proxyDown: FaultType<z.output<typeof params>, State> = {
  name: 'proxy-down',
  summary: 'Cut a link: close its connections and refuse new ones (connection refused) until reverted.',
  targetKind: 'proxy',
  params,
  reversible: true,
  volatile: true, // a disabled proxy is the agent's own: it cannot outlive Firedrill's processes
  async inject(ctx) {
    const { proxies, target } = proxyOf(ctx, true);
    await proxies.update(target.name, { enabled: false });
    return { proxy: target.name };
  },
  async revert(ctx) {
    const { proxies, target, proxy } = proxyOf(ctx, false);
    if (proxy?.enabled === false) await proxies.update(target.name, { enabled: true });
  },
  verify(ctx) {
    const { target, proxy } = proxyOf(ctx, false);
    if (!proxy) return Promise.resolve({ ok: true, detail: `proxy ${target.name} is not running here: nothing is down` });
    if (!proxy.enabled) return Promise.resolve({ ok: false, detail: `proxy ${target.name} is still down` });
    return Promise.resolve({ ok: true, detail: `proxy ${target.name} is up again on ${proxy.address}` });
  },
};
