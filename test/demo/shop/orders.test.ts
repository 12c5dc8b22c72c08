import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditOrders, startAuditServer } from '../../../src/demo/shop/audit.js';
import { startShopDatabase } from '../../../src/demo/shop/database.js';
import type { ShopDatabase } from '../../../src/demo/shop/database.js';
import { DATABASE } from '../../../src/demo/shop/plan.js';
import { freePorts } from '../../../src/demo/shop/ports.js';
import type { DatabasePair } from '../../../src/demo/shop/writable.js';
import { findPostgresBinaries } from '../../../src/postgres/binaries.js';
import { withClient } from '../../../src/postgres/connect.js';
import type { PgEndpoint } from '../../../src/postgres/connect.js';
import { createWorkspace } from '../../../src/postgres/workspace.js';
import type { Workspace } from '../../../src/postgres/workspace.js';
import { request, ServiceLab, waitFor } from './helpers.js';
import type { Service } from './helpers.js';

const binaries = findPostgresBinaries();

function order(id = randomUUID(), item = 'mug', qty = 1): { id: string; item: string; qty: number } {
  return { id, item, qty };
}

describe('the orders service without a reachable database', () => {
  const lab = new ServiceLab();
  afterEach(async () => {
    await lab.stopAll();
  });

  it('starts, reports itself unhealthy and refuses orders with 503 instead of hanging', async () => {
    // Nothing listens on these two ports: every connection is refused.
    const [primary, replica, port] = (await freePorts(3)) as [number, number, number];
    const orders = await lab.start('orders', 'orders-a', port, [
      '--dc',
      'a',
      '--primary',
      `127.0.0.1:${primary}`,
      '--replica',
      `127.0.0.1:${replica}`,
      '--failover-after',
      '500ms',
    ]);
    const url = `http://127.0.0.1:${orders.port}`;

    const health = await request(`${url}/health`);
    expect(health.status).toBe(503);
    expect(health.body).toEqual({ ok: false, writer: null, lastSeenMsAgo: null, service: 'orders-a', dc: 'a' });
    const refused = await request(`${url}/orders`, { method: 'POST', body: order() });
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: 'no writable database (failing over)', service: 'orders-a' });
    // Past --failover-after there is still no standby to promote: it keeps refusing, and runs on.
    const until = Date.now() + 1_500;
    while (Date.now() < until) expect((await request(`${url}/orders`, { method: 'POST', body: order() })).status).toBe(503);
    expect(orders.child.exitCode).toBeNull();
    expect(orders.output()).not.toContain('promoting');
  });

  it('exits with a usage error when --primary or --replica is missing', async () => {
    const [port] = (await freePorts(1)) as [number];
    const result = await lab.run('orders', ['--name', 'orders-a', '--port', String(port), '--primary', '127.0.0.1:1']);
    expect(result.code).toBe(2);
    expect(result.output).toContain('orders needs --primary and --replica');
  });
});

describe.skipIf(!binaries)('the orders service on a primary and its synchronous replica', () => {
  const lab = new ServiceLab();
  let workspace: Workspace | undefined;
  let database: ShopDatabase | undefined;
  let pair: DatabasePair;
  let orders: Service;
  let ordersUrl: string;
  /** Every order the service acknowledged with 201. */
  const acked: string[] = [];

  beforeAll(async () => {
    if (!binaries) return;
    const [primaryPort, replicaPort, ordersPort] = (await freePorts(3)) as [number, number, number];
    workspace = createWorkspace(lab.demoId);
    // The demo streams through a fault proxy; here the replica streams from the primary directly.
    database = await startShopDatabase(
      binaries,
      workspace,
      lab.demoId,
      { primaryPort, replicaPort, replicationProxy: primaryPort, ...DATABASE },
      () => undefined,
    );
    pair = {
      primary: { host: '127.0.0.1', port: primaryPort, ...DATABASE },
      replica: { host: '127.0.0.1', port: replicaPort, ...DATABASE },
    };
    orders = await lab.start('orders', 'orders-a', ordersPort, [
      '--dc',
      'a',
      '--primary',
      `127.0.0.1:${primaryPort}`,
      '--replica',
      `127.0.0.1:${replicaPort}`,
      '--failover-after',
      '1s',
    ]);
    ordersUrl = `http://127.0.0.1:${ordersPort}`;
    await waitFor(
      async () => ((await request(`${ordersUrl}/health`)).status === 200 ? true : undefined),
      10_000,
      'the orders service to be healthy',
    );
  }, 60_000);

  afterAll(async () => {
    await lab.stopAll();
    await database?.destroy();
    workspace?.remove();
  }, 30_000);

  async function place(body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const answer = await request(`${ordersUrl}/orders`, { method: 'POST', ...(typeof body === 'string' ? { rawBody: body } : { body }) });
    if (answer.status === 201) acked.push((body as { id: string }).id.toLowerCase());
    return { status: answer.status, body: answer.body as Record<string, unknown> };
  }

  async function rows(endpoint: PgEndpoint, id: string): Promise<{ item: string; qty: number; served_by: string }[]> {
    return withClient(
      endpoint,
      { queryTimeoutMs: 5_000 },
      async (client) =>
        (
          await client.query<{ item: string; qty: number; served_by: string }>('SELECT item, qty, served_by FROM orders WHERE id = $1', [
            id,
          ])
        ).rows,
    );
  }

  it('answers 201 once the order is stored, on the primary', async () => {
    const placed = order(randomUUID(), 'kettle', 2);
    const answer = await place(placed);
    expect(answer).toEqual({ status: 201, body: { id: placed.id, database: 'primary', service: 'orders-a', dc: 'a' } });
    expect(await rows(pair.primary, placed.id)).toEqual([{ item: 'kettle', qty: 2, served_by: 'orders-a' }]);
    const health = await request(`${ordersUrl}/health`);
    expect(health.body).toMatchObject({ ok: true, writer: 'primary', service: 'orders-a' });
  });

  it.each([
    { why: 'a body that is not JSON', body: '{"id": ', error: 'the body is not JSON' },
    { why: 'a JSON document that is not an object', body: '"mug"', error: /^id: expected a uuid/ },
    { why: 'an id that is not a uuid', body: { id: '42', item: 'mug', qty: 1 }, error: /^id: expected a uuid/ },
    { why: 'no item', body: { id: randomUUID(), qty: 1 }, error: /^item: / },
    { why: 'a quantity of 0', body: { id: randomUUID(), item: 'mug', qty: 0 }, error: /^qty: / },
    { why: 'a fractional quantity', body: { id: randomUUID(), item: 'mug', qty: 1.5 }, error: /^qty: / },
  ])('refuses $why with 400 and stores nothing', async ({ body, error }) => {
    const answer = await place(body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatch(error);
    const id = (body as { id?: unknown }).id;
    if (typeof id === 'string' && id.length === 36) expect(await rows(pair.primary, id)).toEqual([]);
  });

  it('stores an order once however often its id is posted, sequentially, concurrently or in upper case', async () => {
    const placed = order(randomUUID(), 'teapot', 1);
    const first = await place(placed);
    const again = await place({ ...placed, qty: 5 }); // a retry never overwrites the stored order
    const concurrent = await Promise.all([1, 2, 3].map(() => place(placed)));
    const upper = await place({ ...placed, id: placed.id.toUpperCase() });
    for (const answer of [first, again, ...concurrent, upper]) expect(answer).toMatchObject({ status: 201, body: { id: placed.id } });
    expect(await rows(pair.primary, placed.id)).toEqual([{ item: 'teapot', qty: 1, served_by: 'orders-a' }]);
    // Synchronous replication: the acknowledged order is on the replica too.
    expect(await rows(pair.replica, placed.id)).toEqual([{ item: 'teapot', qty: 1, served_by: 'orders-a' }]);
  });

  it('audits acknowledged ids: present ones counted, missing ones listed', async () => {
    const never = [randomUUID(), randomUUID()];
    const ids = [...new Set(acked)];
    const report = await auditOrders(pair, [...ids, ...never]);
    expect(report).toEqual({
      acked: ids.length + 2,
      present: ids.length,
      missingCount: 2,
      missing: never,
      ackedDuringAudit: 0,
      database: 'primary',
    });

    // Without a database nothing can be found: everything acknowledged counts as missing.
    expect(await auditOrders(null, ids)).toEqual({
      acked: ids.length,
      present: 0,
      missingCount: ids.length,
      missing: ids.slice(0, 20),
      ackedDuringAudit: 0,
      database: null,
    });

    const audit = await startAuditServer(0, pair, () => [...ids, ...never]);
    try {
      const answer = await request(audit.url);
      expect(answer).toMatchObject({
        status: 200,
        body: { acked: ids.length + 2, present: ids.length, missingCount: 2, missing: never, database: 'primary' },
      });
      expect((await request(audit.url.replace(/\/audit$/, '/other'))).status).toBe(404);
    } finally {
      await audit.close();
    }
  });

  it('finds an acknowledged id whatever its case, as the orders service stores it lower-cased', async () => {
    const [stored] = [...new Set(acked)] as [string];
    expect(await auditOrders(pair, [stored.toUpperCase()])).toMatchObject({ acked: 1, present: 1, missingCount: 0, missing: [] });
  });

  it('lists at most 20 missing ids but counts them all', async () => {
    const never = Array.from({ length: 25 }, () => randomUUID());
    const report = await auditOrders(pair, never);
    expect(report).toMatchObject({ acked: 25, present: 0, missingCount: 25, missing: never.slice(0, 20) });
  });

  it('fails over to the replica when the primary crashes, and loses no acknowledged order', async () => {
    const before = [...new Set(acked)];
    expect(before.length).toBeGreaterThan(0);
    await database?.primary.stop('immediate');

    // While the primary is gone and the replica not yet promoted, orders are refused (503), never
    // acknowledged; once --failover-after has passed the replica is promoted and takes them.
    const placed = order(randomUUID(), 'tea', 3);
    const stored = await waitFor(
      async () => {
        const answer = await place(placed);
        expect([201, 503]).toContain(answer.status);
        return answer.status === 201 ? answer : undefined;
      },
      20_000,
      'an order to be stored after the failover',
    );
    expect(stored.body).toMatchObject({ database: 'replica', service: 'orders-a' });
    expect(orders.output()).toMatch(/primary unreachable for \d+ ms: promoting the replica/);
    expect(await rows(pair.replica, placed.id)).toEqual([{ item: 'tea', qty: 3, served_by: 'orders-a' }]);
    expect((await request(`${ordersUrl}/health`)).body).toMatchObject({ ok: true, writer: 'replica' });

    // The RPO check: every order acknowledged before the crash is on the promoted replica.
    const report = await auditOrders(pair, [...new Set(acked)]);
    expect(report).toMatchObject({ present: before.length + 1, missingCount: 0, missing: [], database: 'replica' });
  }, 30_000);

  it('answers the audit with 503 when no database takes writes', async () => {
    await database?.replica.stop('immediate');
    const audit = await startAuditServer(0, pair, () => acked);
    try {
      const answer = await request(audit.url);
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({ error: expect.stringContaining('no database takes writes now') });
    } finally {
      await audit.close();
    }
    // The orders service stops reporting healthy once its writer no longer answers.
    await waitFor(
      async () => ((await request(`${ordersUrl}/health`)).status === 503 ? true : undefined),
      10_000,
      'the orders service to report itself unhealthy',
    );
  });
});
