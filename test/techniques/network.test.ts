import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyFaultType } from '../../src/engine/fault.js';
import { hostAllowed } from '../../src/techniques/support/addresses.js';
import { bruteForce } from '../../src/techniques/brute-force.js';
import { httpExfiltration } from '../../src/techniques/http-exfiltration.js';
import { serviceScan } from '../../src/techniques/service-scan.js';
import { allowOnHost, AgentHarness } from '../agent-daemon/harness.js';
import { host, Lab } from '../faults/helpers.js';

const lab = new Lab();
const agents: AgentHarness[] = [];
const servers: { close(done: () => void): void }[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  await lab.cleanup();
});

/** A TCP listener on 127.0.0.1; its port. */
async function listener(): Promise<number> {
  const server = createTcpServer((socket) => socket.end());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** The exfiltration sink: keeps what it is sent. */
async function sink(): Promise<{ url: string; got: { headers: Record<string, unknown>; body: string }[] }> {
  const got: { headers: Record<string, unknown>; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`, got };
}

describe('network techniques', () => {
  it('service-scan (T1046) finds exactly the open ports among those named, bounded', async () => {
    const open = [await listener(), await listener()].sort((a, b) => a - b);
    const closed = open[1] === 65535 ? 1 : (open[1] ?? 0) + 1; // nothing listens there (or one more open port shows up)
    const ctx = lab.context(serviceScan as AnyFaultType, { hosts: ['127.0.0.1'], ports: [...open, closed] }, host);
    const state = await serviceScan.inject(ctx);
    expect(state.attempts).toBe(3);
    expect(state.open).toEqual(expect.arrayContaining(open.map((p) => `127.0.0.1:${p}`)));
    expect(await serviceScan.verify(ctx, state)).toMatchObject({ ok: true });
    expect(() => serviceScan.params.parse({ hosts: ['127.0.0.1'], ports: ['1-5000'] })).toThrow(/at most 4096 connection attempts/);
    expect(() => serviceScan.params.parse({ hosts: ['db.internal'], ports: [22] })).toThrow(/an IP address/);
  });

  it('http-exfiltration (T1048.003) POSTs a tagged canary of the size asked to the sink', async () => {
    const target = await sink();
    const ctx = lab.context(httpExfiltration as AnyFaultType, { url: target.url, bytes: 2048 }, host);
    const state = await httpExfiltration.inject(ctx);
    expect(state).toEqual({ status: 204, bytes: 2048 });
    expect(target.got).toHaveLength(1);
    expect(target.got[0]?.body).toMatch(new RegExp(`^FIREDRILL-CANARY ${ctx.tag} \\(T1048\\.003\\): not real data\\n`));
    expect(target.got[0]?.headers['x-firedrill-tag']).toBe(ctx.tag);
  });

  it('brute-force (T1110.001) sends the bounded burst of failed logins, each password tagged and different', async () => {
    const login = await sink();
    const ctx = lab.context(bruteForce as AnyFaultType, { url: login.url, username: 'admin', attempts: 5, perSecond: 50 }, host);
    const state = await bruteForce.inject(ctx);
    expect(state).toMatchObject({ attempts: 5, statuses: { 204: 5 }, stopped: 'count' });
    const passwords = login.got.map((r) => (JSON.parse(r.body) as { username: string; password: string }).password);
    expect(login.got.map((r) => (JSON.parse(r.body) as { username: string }).username)).toEqual(Array(5).fill('admin'));
    expect(new Set(passwords).size).toBe(5);
    for (const password of passwords) expect(password.startsWith(`firedrill-${ctx.tag}-`)).toBe(true);
    expect(() => bruteForce.params.parse({ url: login.url, username: 'a', attempts: 201 })).toThrow();
  });

  it('reach only the hosts their host allows, through the agent', async () => {
    expect(hostAllowed(['10.0.0.0/8', 'localhost'], '10.20.30.40')).toBe(true);
    expect(hostAllowed(['10.0.0.0/8'], '11.0.0.1')).toBe(false);
    expect(hostAllowed(['localhost'], '127.0.0.1')).toBe(true);
    const harness = new AgentHarness();
    agents.push(harness);
    const target = await sink();
    allowOnHost(harness.stateDir, { hosts: ['127.0.0.2'] });
    const refused = await harness.inject('r1', { faultId: 'f1', type: 'http-exfiltration', target: host, params: { url: target.url } });
    expect([refused.status, refused.body.error?.code]).toEqual([403, 'FD_NOT_ALLOWED']);
    const scan = await harness.inject('r2', {
      faultId: 'f1',
      type: 'service-scan',
      target: host,
      params: { hosts: ['127.0.0.1'], ports: [22] },
    });
    expect([scan.status, scan.body.error?.code]).toEqual([403, 'FD_NOT_ALLOWED']);
    expect(target.got).toEqual([]);
    allowOnHost(harness.stateDir, { hosts: ['127.0.0.0/8'] });
    const sent = await harness.inject('r3', { faultId: 'f1', type: 'http-exfiltration', target: host, params: { url: target.url } });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    expect(target.got).toHaveLength(1);
  });
});
