import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExpectationRecord } from '../../src/engine/expectation.js';
import { eventually } from '../probes/fixtures.js';
import { storeSite } from '../store/fixtures.js';
import type { StoreSite } from '../store/fixtures.js';
import { call, testServer, userWithToken } from './fixtures.js';

/** What Alertmanager 0.25 posts (webhook_configs), two alerts of one group. */
const alertmanagerBody = {
  receiver: 'firedrill',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'CatalogErrors', severity: 'page', instance: 'catalog-a1' },
      annotations: { summary: 'catalog 5xx above 5%' },
      startsAt: '2026-12-06T10:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: 'a1b2c3',
    },
    {
      status: 'resolved',
      labels: { alertname: 'CatalogErrors', severity: 'page', instance: 'catalog-a2' },
      annotations: {},
      startsAt: '2026-12-06T09:00:00Z',
      endsAt: '2026-12-06T09:30:00Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: 'd4e5f6',
    },
  ],
  groupLabels: { alertname: 'CatalogErrors' },
  commonLabels: { alertname: 'CatalogErrors', severity: 'page' },
  commonAnnotations: {},
  externalURL: 'http://alertmanager:9093',
  version: '4',
  groupKey: '{}:{alertname="CatalogErrors"}',
  truncatedAlerts: 0,
};

// The receiver on two replicas over one PostgreSQL: an alert received by one is heard by a run on the other.
describe('the alert receiver', () => {
  let site: StoreSite;
  let a: Awaited<ReturnType<typeof testServer>>;
  let b: Awaited<ReturnType<typeof testServer>>;
  let sender: string;
  let facilitator: string;
  let viewer: string;

  beforeAll(async () => {
    site = await storeSite('postgres');
    const database = await site.location();
    a = await testServer(database);
    b = await testServer(database);
    sender = await userWithToken(a, 'alertmanager', ['alert-source']);
    facilitator = await userWithToken(a, 'fac', ['facilitator']);
    viewer = await userWithToken(a, 'val', ['viewer']);
  }, 60_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await site?.close();
  });

  it("takes Alertmanager's webhook and generic JSON alerts, by header or with the token in the path, and refuses the rest", async () => {
    expect((await call(a.url, 'POST', '/api/v1/alerts/am', sender, alertmanagerBody)).body).toEqual({ received: 2 });
    const inPath = await fetch(`${a.url}/api/v1/alerts/generic/${sender}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { name: 'DiskFull', labels: { host: 'db-1' } },
        { name: 'DiskFull', status: 'resolved' },
      ]),
    });
    expect(inPath.status).toBe(202);
    expect((await call(a.url, 'POST', '/api/v1/alerts/generic', sender, { alerts: [{ name: 'Latency' }] })).body).toEqual({ received: 1 });
    const listed = (await call(b.url, 'GET', '/api/v1/alerts', viewer)).body.alerts as {
      source: string;
      status: string;
      labels: Record<string, string>;
      annotations: Record<string, string>;
    }[];
    expect(listed.map((x) => `${x.source} ${x.status} ${x.labels.alertname} ${x.labels.instance ?? x.labels.host ?? ''}`.trim())).toEqual([
      'am firing CatalogErrors catalog-a1',
      'am resolved CatalogErrors catalog-a2',
      'generic firing DiskFull db-1',
      'generic resolved DiskFull',
      'generic firing Latency',
    ]);
    expect(listed[0]?.annotations).toEqual({ summary: 'catalog 5xx above 5%' });

    const refused = async (path: string, token: string, body: unknown) => {
      const reply = await call(a.url, 'POST', path, token, body);
      return `${reply.status} ${(reply.body.error as { code: string } | undefined)?.code ?? ''}`;
    };
    expect(await refused('/api/v1/alerts/am', sender, { version: '4' })).toBe('400 FD_BAD_ALERT');
    expect(await refused('/api/v1/alerts/am', sender, { status: 'burning' })).toBe('400 FD_BAD_ALERT');
    expect(await refused('/api/v1/alerts/am', sender, 'text')).toBe('400 FD_INVALID_BODY'); // not JSON
    expect(await refused('/api/v1/alerts/Not%20A%20Source', sender, { name: 'X' })).toBe('400 FD_BAD_SOURCE');
    expect(await refused('/api/v1/alerts/am', viewer, { name: 'X' })).toBe('403 FD_FORBIDDEN');
    expect(await refused('/api/v1/alerts/am/fdt_not-a-token', viewer, { name: 'X' })).toBe('401 FD_UNAUTHORIZED');
    expect((await call(a.url, 'GET', '/api/v1/alerts', sender)).status).toBe(403); // a monitoring token reads nothing
  });

  it('meets an expectation of a run on one replica with an alert received by the other', async () => {
    const yaml = `title: waits for an alert
method:
  - { name: w, wait: 4s }
expectations:
  - { name: paged, within: 4s, from: start, alert: { source: am, labels: { alertname: { regex: "^Checkout" } } } }
  - { name: not-this-one, within: 1s, from: start, never: true, alert: { labels: { alertname: DiskFull } } }
`;
    const started = await call(a.url, 'POST', '/api/v1/runs', facilitator, { yaml });
    const runId = (started.body.run as { id: string }).id;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await call(b.url, 'POST', '/api/v1/alerts/am', sender, { name: 'CheckoutErrors' })).status).toBe(202);
    const journal = await eventually(async () => {
      const got = await call(a.url, 'GET', `/api/v1/runs/${runId}`, facilitator);
      expect(got.body).toMatchObject({ run: { state: 'ended' } });
      return (got.body as { journal: { verdict: string; expectations: ExpectationRecord[] } }).journal;
    }, 15_000);
    expect(journal.expectations.map((e) => [e.name, e.status])).toEqual([
      ['paged', 'met'],
      ['not-this-one', 'met'], // the DiskFull of the first test came before this run's clock
    ]);
    expect(journal.expectations[0]?.tookMs).toBeGreaterThanOrEqual(500);
    expect(journal.verdict).toBe('passed');
  }, 30_000);
});
