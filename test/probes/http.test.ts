import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileTolerance, judge } from '../../src/experiment/tolerance.js';
import { httpParams, httpProbe } from '../../src/probes/http.js';
import type { TestServer } from './fixtures.js';
import { freePort, noSignal, selfSignedCertificate, startServer } from './fixtures.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

const probe = (params: Record<string, unknown>, signal = noSignal()) => httpProbe.run(httpParams.parse(params), { signal });

describe('http probe', () => {
  it('reports status, body, headers, size, latency and parsed JSON', async () => {
    const output = await probe({ url: `${server.url}/json` });
    expect(output).toMatchObject({ status: 200, json: { db: { status: 'up' }, items: [1, 2, 3] }, truncated: false });
    expect(output.bytes).toBe(Buffer.byteLength(output.body as string));
    expect(output.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(typeof output.latencyMs).toBe('number');
  });

  it('leaves json absent when the body is not JSON', async () => {
    const output = await probe({ url: `${server.url}/ok` });
    expect(output).toMatchObject({ status: 200, body: 'ok', bytes: 2 });
    expect('json' in output).toBe(false);
  });

  it('sends an object body as JSON with its content type', async () => {
    const output = await probe({ url: `${server.url}/echo`, method: 'POST', body: { a: [1] } });
    expect(output.json).toMatchObject({
      method: 'POST',
      body: '{"a":[1]}',
      headers: { 'content-type': 'application/json', 'content-length': '9' },
    });
  });

  it('sends a string body and headers as given', async () => {
    const output = await probe({
      url: `${server.url}/echo`,
      method: 'PUT',
      body: 'plain',
      headers: { 'X-Drill': 'yes', 'Content-Type': 'text/plain' },
    });
    expect(output.json).toMatchObject({ method: 'PUT', body: 'plain', headers: { 'x-drill': 'yes', 'content-type': 'text/plain' } });
  });

  it('keeps at most maxBodyBytes of the body and says it cut it off', async () => {
    const output = await probe({ url: `${server.url}/big?bytes=300000`, maxBodyBytes: 1000 });
    expect(output.body).toBe('x'.repeat(1000));
    expect(output.truncated).toBe(true);
    expect(output.bytes).toBeGreaterThan(1000);
  });

  it('meets its default tolerance on 200 and not on 503', async () => {
    const { checks, problems } = compileTolerance(httpProbe.defaultTolerance, httpProbe);
    expect(problems).toEqual([]);
    expect(judge(checks, await probe({ url: `${server.url}/ok` })).met).toBe(true);
    expect(judge(checks, await probe({ url: `${server.url}/status/503` })).detail).toBe('status 503 is not between 200 and 399');
  });

  it('rejects with the connection error when nothing listens', async () => {
    const port = await freePort();
    await expect(probe({ url: `http://127.0.0.1:${port}/` })).rejects.toThrow(`connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('rejects when the response takes longer than the timeout', async () => {
    await expect(probe({ url: `${server.url}/hang`, timeout: '200ms' })).rejects.toThrow(`GET ${server.url}/hang timed out after 200ms`);
  });

  it('stops the request when its signal aborts', async () => {
    const controller = new AbortController();
    const pending = probe({ url: `${server.url}/hang` }, controller.signal);
    controller.abort(new Error('run aborted'));
    await expect(pending).rejects.toThrow('aborted: run aborted');
  });
});

describe('http probe over TLS', () => {
  let tls: TestServer | undefined;
  afterEach(async () => {
    await tls?.close();
    tls = undefined;
  });

  it('refuses a self-signed certificate unless verifyTls is false', async (ctx) => {
    const certificate = await selfSignedCertificate();
    if ('skip' in certificate) return ctx.skip(certificate.skip);
    tls = await startServer(certificate);
    await expect(probe({ url: `${tls.url}/ok` })).rejects.toThrow(/self-signed certificate.*verifyTls: false/);
    expect(await probe({ url: `${tls.url}/ok`, verifyTls: false })).toMatchObject({ status: 200, body: 'ok' });
  });
});

describe('http probe parameters', () => {
  it('reads durations as text or seconds and keeps milliseconds', () => {
    expect(httpParams.parse({ url: 'http://x' })).toMatchObject({ method: 'GET', timeout: 5000, verifyTls: true, maxBodyBytes: 1_048_576 });
    expect(httpParams.parse({ url: 'http://x', timeout: '250ms' }).timeout).toBe(250);
    expect(httpParams.parse({ url: 'http://x', timeout: 2 }).timeout).toBe(2000);
  });

  it('refuses bad durations, non-HTTP URLs and unknown keys', () => {
    expect(httpParams.safeParse({ url: 'http://x', timeout: 'soon' }).error?.issues[0]?.message).toMatch(/positive duration such as 250ms/);
    expect(httpParams.safeParse({ url: 'ftp://x' }).error?.issues[0]?.message).toBe('expected an http:// or https:// URL');
    expect(httpParams.safeParse({ url: 'http://x', verify: false }).success).toBe(false);
  });
});
