import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookDispatcher } from '../../src/server/webhook-dispatcher.js';
import { Store } from '../../src/store/store.js';
import { eventually } from '../probes/fixtures.js';
import { DIALECTS, storeSite } from '../store/fixtures.js';
import type { StoreSite } from '../store/fixtures.js';
import { quiet } from './fixtures.js';
import { httpReceiver } from './receiver.js';

interface Got {
  readonly path: string;
  readonly seq: number;
  readonly n: number;
}

/**
 * A receiver on 127.0.0.1 that handles each request after a random 0–15 ms (so deliveries sent
 * side by side would be handled out of order); `/down` answers 503 to its first request only.
 */
async function receiver(): Promise<{ url: string; got: Got[]; close(): Promise<void> }> {
  const got: Got[] = [];
  let downOnce = true;
  const server = await httpReceiver((request, res) => {
    const { seq, data } = JSON.parse(request.body) as { seq: number; data: { n: number } };
    if (request.path === '/down' && downOnce) {
      downOnce = false;
      return void res.writeHead(503).end();
    }
    setTimeout(() => {
      got.push({ path: request.path, seq, n: data.n }); // when handled, as a receiver acts on it
      res.writeHead(204).end();
    }, Math.random() * 15);
  });
  return { ...server, got };
}

describe.each(DIALECTS)('webhook delivery order over %s', (dialect) => {
  let site: StoreSite;
  let replicas: Store[];
  let dispatchers: WebhookDispatcher[];
  let hook: Awaited<ReturnType<typeof receiver>>;

  beforeAll(async () => {
    site = await storeSite(dialect);
    const location = await site.location();
    replicas = [await Store.open(location), await Store.open(location)];
    dispatchers = replicas.map((store) => new WebhookDispatcher(store, quiet));
    hook = await receiver();
  }, 60_000);

  afterAll(async () => {
    for (const dispatcher of dispatchers ?? []) await dispatcher.close();
    for (const store of replicas ?? []) await store.close();
    await hook?.close();
    await site?.close();
  });

  it('sends one subscription’s events in the order they happened, even queued in the same millisecond, from two replicas', async () => {
    const [one, two] = replicas;
    const subscription = await one!.webhooks.create({
      url: `${hook.url}/ordered`,
      kind: 'generic',
      secret: null,
      events: ['run.started'],
      createdBy: 'test',
    });
    for (let n = 0; n < 40; n++) await one!.webhooks.enqueue('run.started', { n });
    await eventually(() => expect(hook.got.filter((g) => g.path === '/ordered')).toHaveLength(40), 20_000);
    expect(hook.got.filter((g) => g.path === '/ordered').map((g) => g.n)).toEqual([...Array(40).keys()]);
    await eventually(async () => {
      const deliveries = await two!.webhooks.deliveries(subscription.id, 100);
      expect(deliveries.map((d) => `${d.status} ${d.attempts}`)).toEqual(Array(40).fill('delivered 1'));
    });
  }, 30_000);

  it('does not hold newer events behind one waiting for its retry, and the retry carries the seq to order it by', async () => {
    await replicas[1]!.webhooks.create({ url: `${hook.url}/down`, kind: 'generic', secret: null, events: ['halt'], createdBy: 'test' });
    for (let n = 0; n < 3; n++) await replicas[1]!.webhooks.enqueue('halt', { n });
    await eventually(() => expect(hook.got.filter((g) => g.path === '/down')).toHaveLength(3), 15_000);
    const down = hook.got.filter((g) => g.path === '/down');
    expect(down.map((g) => g.n)).toEqual([1, 2, 0]); // the first failed once, came back after the others
    expect([...down].sort((a, b) => a.seq - b.seq).map((g) => g.n)).toEqual([0, 1, 2]);
  }, 20_000);
});
