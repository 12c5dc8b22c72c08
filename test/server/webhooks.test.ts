import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../probes/fixtures.js';
import { DIALECTS, storeSite } from '../store/fixtures.js';
import type { StoreSite } from '../store/fixtures.js';
import { call, testServer, userWithToken } from './fixtures.js';
import { httpReceiver } from './receiver.js';
import type { Request } from './receiver.js';

/** A receiver on 127.0.0.1: records every request; `/flaky` fails its first two, `/hang` never answers. */
async function receiver(): Promise<{ url: string; got: Request[]; close(): Promise<void> }> {
  const got: Request[] = [];
  let flaky = 0;
  const server = await httpReceiver((request, res) => {
    got.push(request);
    if (request.path === '/hang') return;
    if (request.path === '/flaky' && ++flaky <= 2) return void res.writeHead(500).end();
    res.writeHead(204).end();
  });
  return { ...server, got };
}

const quick = (title: string) => `title: ${title}\nmethod:\n  - { name: w, wait: 10ms }\n`;

describe.each(DIALECTS)('webhooks over %s', (dialect) => {
  let site: StoreSite;
  let server: Awaited<ReturnType<typeof testServer>>;
  let hook: Awaited<ReturnType<typeof receiver>>;
  let admin: string;
  let facilitator: string;

  beforeAll(async () => {
    site = await storeSite(dialect);
    server = await testServer(dialect === 'postgres' ? await site.location() : undefined);
    admin = await userWithToken(server, 'root', ['admin']);
    facilitator = await userWithToken(server, 'fac', ['facilitator']);
    hook = await receiver();
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await hook?.close();
    await site?.close();
  });

  const subscribe = async (path: string, kind: 'slack' | 'generic', events: string[]) => {
    const made = await call(server.url, 'POST', '/api/v1/webhooks', admin, { url: `${hook.url}${path}`, kind, events });
    expect(made.status).toBe(201);
    return made.body as { webhook: { id: string }; secret?: string };
  };

  it('sends run started and ended as generic JSON signed with HMAC-SHA256 over timestamp.body, and Slack text', async () => {
    const generic = await subscribe('/generic', 'generic', ['run.started', 'run.ended']);
    expect(generic.secret).toMatch(/^whsec_/);
    await subscribe('/slack', 'slack', ['run.ended']);
    const id = ((await call(server.url, 'POST', '/api/v1/runs', facilitator, { yaml: quick('hooked') })).body.run as { id: string }).id;
    await eventually(() => expect(hook.got.filter((r) => r.path !== '/hang').length).toBe(3));
    const signed = hook.got.filter((r) => r.path === '/generic');
    expect(signed.map((r) => (JSON.parse(r.body) as { event: string }).event)).toEqual(['run.started', 'run.ended']);
    for (const request of signed) {
      const timestamp = String(request.headers['x-firedrill-timestamp']);
      const expected = createHmac('sha256', generic.secret ?? '')
        .update(`${timestamp}.${request.body}`)
        .digest('hex');
      expect(request.headers['x-firedrill-signature']).toBe(`sha256=${expected}`);
      expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(60);
    }
    expect(JSON.parse(signed[1]?.body ?? '{}')).toMatchObject({ data: { runId: id, verdict: 'passed', title: 'hooked' } });
    const slack = JSON.parse(hook.got.find((r) => r.path === '/slack')?.body ?? '{}') as { text: string; blocks: unknown[] };
    expect(slack.text).toContain('*hooked*');
    expect(slack.text).toContain('passed');
    expect(slack.blocks).toHaveLength(1);
  });

  it('retries with backoff until the receiver takes it, and keeps every attempt in the delivery log', async () => {
    const flaky = await subscribe('/flaky', 'generic', ['halt']);
    await call(server.url, 'POST', '/api/v1/halt', facilitator, { reason: 'webhook test' });
    await call(server.url, 'POST', '/api/v1/resume', facilitator, {});
    await eventually(async () => {
      const { deliveries } = (await call(server.url, 'GET', `/api/v1/webhooks/${flaky.webhook.id}/deliveries`, admin)).body as {
        deliveries: { status: string; attempts: number; lastError: string | null }[];
      };
      expect(deliveries[0]).toMatchObject({ status: 'delivered', attempts: 3 });
    }, 15_000);
  }, 20_000);

  it('never blocks a run (nor another receiver) on a receiver that hangs, and says nothing of a secret run until it is revealed', async () => {
    await subscribe('/hang', 'generic', ['run.started', 'run.ended', 'run.revealed']);
    await subscribe('/revealed', 'generic', ['run.started', 'run.ended', 'run.revealed']);
    const before = hook.got.length;
    const id = (
      (await call(server.url, 'POST', '/api/v1/runs', facilitator, { yaml: quick('covert'), secret: true })).body.run as { id: string }
    ).id;
    await eventually(async () =>
      expect((await call(server.url, 'GET', `/api/v1/runs/${id}`, facilitator)).body).toMatchObject({ run: { state: 'ended' } }),
    );
    const quickly = ((await call(server.url, 'POST', '/api/v1/runs', facilitator, { yaml: quick('open') })).body.run as { id: string }).id;
    await eventually(async () =>
      expect((await call(server.url, 'GET', `/api/v1/runs/${quickly}`, facilitator)).body).toMatchObject({ run: { state: 'ended' } }),
    );
    await new Promise((resolve) => setTimeout(resolve, 600)); // a few dispatcher ticks
    expect(hook.got.slice(before).some((r) => r.body.includes('covert'))).toBe(false);
    await call(server.url, 'POST', `/api/v1/runs/${id}/reveal`, facilitator, {});
    await eventually(() =>
      expect(
        hook.got.slice(before).some((r) => r.path === '/revealed' && r.body.includes('covert') && r.body.includes('run.revealed')),
      ).toBe(true),
    );
  }, 30_000);

  it('is for admins only, and refuses a URL that is not http(s)', async () => {
    expect((await call(server.url, 'GET', '/api/v1/webhooks', facilitator)).status).toBe(403);
    expect(
      (await call(server.url, 'POST', '/api/v1/webhooks', admin, { url: 'file:///etc/passwd', kind: 'generic', events: ['halt'] })).status,
    ).toBe(400);
  });
});
