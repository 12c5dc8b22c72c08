import { findMonitoring, startMonitoring } from '../monitoring.js';
import type { Monitoring } from '../monitoring.js';
import type { Shop } from '../shop/shop.js';
import { SHOP_RULES } from './scenario.js';

/**
 * Prometheus and Alertmanager beside the demo shop, when Debian's packages are installed:
 * Prometheus scrapes both gateways and the control plane, evaluates the shop's rules, and
 * Alertmanager posts to the control plane's receiver. Resolves once Prometheus has scraped every
 * target (a rule cannot fire on a shop it never saw); undefined when they are not installed.
 */
export async function monitorShop(options: {
  readonly dir: string;
  readonly shop: Shop;
  readonly serverUrl: string;
  readonly alertSourceToken: string;
  readonly scraperToken: string;
}): Promise<Monitoring | undefined> {
  const binaries = findMonitoring();
  if (!binaries) return undefined;
  const host = (url: string) => new URL(url).host;
  const monitoring = await startMonitoring({
    dir: options.dir,
    binaries,
    scrape: [
      { job: 'shop', address: host(options.shop.gatewayUrl) },
      { job: 'shop-single-dc', address: host(options.shop.singleDcGatewayUrl) },
      { job: 'firedrill', address: host(options.serverUrl), bearerToken: options.scraperToken },
    ],
    rules: SHOP_RULES,
    webhook: `${options.serverUrl}/api/v1/alerts/alertmanager/${options.alertSourceToken}`,
  });
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const query = encodeURIComponent('count(up == 1)');
      const answer = (await (await fetch(`${monitoring.prometheusUrl}/api/v1/query?query=${query}`)).json()) as {
        data?: { result?: { value: [number, string] }[] };
      };
      if (answer.data?.result?.[0]?.value[1] === '3') return monitoring;
      if (Date.now() > deadline)
        throw new Error(`Prometheus did not scrape the shop and the control plane within 30 s: see ${options.dir}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } catch (error) {
    await monitoring.stop();
    throw error;
  }
}
