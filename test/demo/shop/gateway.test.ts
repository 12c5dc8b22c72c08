import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePorts } from '../../../src/demo/shop/ports.js';
import { request, ServiceLab, upstreamHealth, waitFor } from './helpers.js';
import type { GatewayHealth, Service } from './helpers.js';

/**
 * The shop's gateway as the demo runs it: `firedrill demo-service gateway` in front of three
 * `demo-service catalog` replicas, every one a real child process on 127.0.0.1.
 */
const CATALOGS = ['catalog-a1', 'catalog-a2', 'catalog-b1'] as const;

const lab = new ServiceLab();
let catalogs: Service[];
let gatewayUrl: string;
const catalogArgs = (name: string): string[] => ['--dc', name.startsWith('catalog-a') ? 'a' : 'b'];

async function allHealthy(): Promise<GatewayHealth> {
  return waitFor(
    async () => {
      const health = (await request(`${gatewayUrl}/health`)).body as GatewayHealth;
      return health.upstreams.catalog?.every((upstream) => upstream.healthy) ? health : undefined;
    },
    10_000,
    'every catalog to be healthy',
  );
}

/** Reads through the gateway; the replica that answered, from the header and from the body. */
async function read(): Promise<{ status: number; upstream: unknown; service: unknown }> {
  const answer = await request(`${gatewayUrl}/products`);
  return { status: answer.status, upstream: answer.headers['x-upstream'], service: (answer.body as { service?: string }).service };
}

beforeEach(async () => {
  const ports = await freePorts(CATALOGS.length + 1);
  const port = (i: number) => ports[i] as number;
  catalogs = await Promise.all(CATALOGS.map((name, i) => lab.start('catalog', name, port(i), catalogArgs(name))));
  const upstreams = catalogs.flatMap((catalog) => ['--catalog', `${catalog.name}=127.0.0.1:${catalog.port}`]);
  const gatewayPort = port(CATALOGS.length);
  await lab.start('gateway', 'gateway', gatewayPort, upstreams);
  gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  await allHealthy();
});

afterEach(async () => {
  await lab.stopAll();
});

describe('the gateway in front of catalog replicas', () => {
  it("tells Prometheus its requests by route and code, their latency, and each upstream's health at /metrics", async () => {
    for (let i = 0; i < 5; i++) expect((await read()).status).toBe(200);
    expect((await request(`${gatewayUrl}/nowhere`)).status).toBe(404); // not a customer route: not counted
    const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
    expect(text).toMatch(/^shop_requests_total\{gateway="gateway",route="products",code="200"\} ([5-9]|\d\d+)$/m);
    expect(text).toMatch(/^shop_request_duration_seconds_count\{gateway="gateway",route="products"\} ([5-9]|\d\d+)$/m);
    expect(text).toMatch(/^shop_request_duration_seconds_bucket\{gateway="gateway",route="products",le="\+Inf"\} ([5-9]|\d\d+)$/m);
    for (const name of CATALOGS) expect(text).toContain(`shop_upstream_healthy{gateway="gateway",pool="catalog",upstream="${name}"} 1`);
    expect(text).not.toContain('nowhere');
  });

  it('reports every upstream on /health and serves reads from each replica in turn', async () => {
    const health = await request(`${gatewayUrl}/health`);
    expect(health.status).toBe(200);
    expect(health.body).toEqual({
      ok: true,
      gateway: 'gateway',
      upstreams: { catalog: CATALOGS.map((name) => ({ name, healthy: true })), orders: [] },
    });

    const reads = await Promise.all(Array.from({ length: 6 }, () => read()));
    for (const answer of reads) {
      expect(answer.status).toBe(200);
      expect(answer.service).toBe(answer.upstream); // the header names the replica that answered
    }
    expect(new Set(reads.map((answer) => answer.upstream))).toEqual(new Set(CATALOGS));
  });

  it('keeps serving reads when a replica is SIGKILLed, and its health check marks it down', async () => {
    const [victim] = catalogs as [Service];
    await lab.kill(victim);
    // Right after the kill the gateway may still think the victim healthy: every read must
    // still succeed, retried on another replica.
    for (let i = 0; i < 12; i++) {
      const answer = await read();
      expect(answer.status).toBe(200);
      expect(answer.upstream).not.toBe(victim.name);
    }
    const down = await waitFor(
      async () => {
        const state = await upstreamHealth(gatewayUrl, 'catalog', victim.name);
        return state?.healthy === false ? state : undefined;
      },
      10_000,
      `${victim.name} to be marked down`,
    );
    expect(down.lastError).toMatch(/ECONNREFUSED|ECONNRESET|socket hang up/);
    // One replica down of three: the gateway as a whole is still fine.
    const health = await request(`${gatewayUrl}/health`);
    expect(health.status).toBe(200);
    expect((health.body as GatewayHealth).ok).toBe(true);
  });

  it('answers an error status, not a hang, once every replica is down, then 503 from /health', async () => {
    await Promise.all(catalogs.map((catalog) => lab.kill(catalog)));
    // Before the health checks notice, each try fails at once (connection refused): 502 with
    // every try listed; after, 503 without trying. Either way an answer, well within the bound.
    const first = await request(`${gatewayUrl}/products`, { timeoutMs: 5_000 });
    expect([502, 503]).toContain(first.status);

    const refused = await waitFor(
      async () => {
        const answer = await request(`${gatewayUrl}/products`, { timeoutMs: 5_000 });
        return answer.status === 503 ? answer : undefined;
      },
      10_000,
      'reads to be refused with 503',
    );
    expect(refused.body).toMatchObject({ error: 'no healthy catalog upstream' });
    expect((refused.body as { upstreams: unknown[] }).upstreams).toHaveLength(CATALOGS.length);

    const health = await request(`${gatewayUrl}/health`);
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ ok: false, upstreams: { catalog: CATALOGS.map((name) => ({ name, healthy: false })) } });
  });

  it('sends reads to a replica again once it is back on its port', async () => {
    const [victim] = catalogs as [Service];
    await lab.kill(victim);
    await waitFor(
      async () => ((await upstreamHealth(gatewayUrl, 'catalog', victim.name))?.healthy === false ? true : undefined),
      10_000,
      `${victim.name} down`,
    );

    await lab.start('catalog', victim.name, victim.port, catalogArgs(victim.name));
    const health = await allHealthy();
    expect(health.upstreams.catalog?.find((upstream) => upstream.name === victim.name)).toEqual({ name: victim.name, healthy: true });
    await waitFor(async () => ((await read()).upstream === victim.name ? true : undefined), 10_000, `a read served by ${victim.name}`);
  });

  it('refuses orders with 503 when it has no orders upstream, and unknown routes with 404', async () => {
    const order = await request(`${gatewayUrl}/orders`, {
      method: 'POST',
      body: { id: '00000000-0000-4000-8000-000000000000', item: 'mug', qty: 1 },
    });
    expect(order.status).toBe(503);
    expect(order.body).toMatchObject({ error: 'no healthy orders upstream' });
    const unknown = await request(`${gatewayUrl}/admin`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: 'no route GET /admin' });
  });
});
