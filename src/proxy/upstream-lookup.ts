import { lookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';

/**
 * How long a resolved upstream host is reused. A lookup costs a trip through libuv's thread
 * pool on every connection (0.3 ms on an idle machine, milliseconds on a busy one) that
 * Toxiproxy does not pay: Go's resolver reads /etc/hosts at most every 5 s. A host whose address
 * changes is followed within this time.
 */
export const LOOKUP_TTL_MS = 5000;

const cache = new Map<string, { addresses: LookupAddress[]; until: number }>();

/**
 * `dns.lookup` for net.connect's `lookup` option, answering from a short cache (successes only:
 * a host that does not resolve is asked again by the next connection).
 */
export const upstreamLookup: LookupFunction = (hostname: string, options: LookupOptions, callback) => {
  const key = `${options.family ?? 0} ${options.hints ?? 0} ${hostname}`;
  const answer = (addresses: LookupAddress[]): void => {
    const first = addresses[0] as LookupAddress;
    if (options.all) callback(null, addresses);
    else callback(null, first.address, first.family);
  };
  const cached = cache.get(key);
  if (cached && cached.until > Date.now()) {
    process.nextTick(answer, cached.addresses);
    return;
  }
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error || addresses.length === 0) {
      callback(error ?? Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
      return;
    }
    cache.set(key, { addresses, until: Date.now() + LOOKUP_TTL_MS });
    answer(addresses);
  });
};
