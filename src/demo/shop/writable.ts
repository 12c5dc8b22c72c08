import type { PgEndpoint } from '../../postgres/connect.js';
import { withClient } from '../../postgres/connect.js';
import { isInRecovery } from '../../postgres/promote.js';

export interface DatabasePair {
  readonly primary: PgEndpoint;
  readonly replica: PgEndpoint;
}

/**
 * The server that takes writes now, asked directly (not through the shop's proxies, which a
 * drill may be blackholing): the replica once it was promoted — it is then the authority, even
 * if the old primary came back — else the primary. Undefined when neither takes writes.
 */
export async function findWritable(pair: DatabasePair): Promise<{ role: 'primary' | 'replica'; endpoint: PgEndpoint } | undefined> {
  for (const role of ['replica', 'primary'] as const) {
    const endpoint = pair[role];
    const writable = await withClient(
      endpoint,
      { connectTimeoutMs: 1000, queryTimeoutMs: 1000 },
      async (client) => !(await isInRecovery(client)),
    ).catch(() => false);
    if (writable) return { role, endpoint };
  }
  return undefined;
}
