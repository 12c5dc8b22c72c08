import { request as httpsRequest } from 'node:https';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firedrill } from '../support/cli.js';
import { selfSignedCertificate } from '../probes/fixtures.js';
import { serverProcess } from './fixtures.js';

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

describe('firedrill server', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), 'fd-server-cli-'));
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('starts on 127.0.0.1 with SQLite under .firedrill, prints a one-time admin password on the first start only, and stops on SIGTERM', async () => {
    const first = await serverProcess(cwd);
    const url = /control plane: (http:\/\/127\.0\.0\.1:\d+)/.exec(first.out)?.[1] ?? '';
    const password = /one-time password (\S+)/.exec(first.out)?.[1] ?? '';
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const login = await fetch(`${url}/api/v1/login`, { method: 'POST', body: JSON.stringify({ name: 'admin', password }) });
    expect(login.status).toBe(200);
    expect(await stop(first.child)).toBe(0);
    expect(statSync(join(cwd, '.firedrill', 'server.db')).mode & 0o777).toBe(0o600);
    expect(statSync(join(cwd, '.firedrill')).mode & 0o777).toBe(0o700);

    const second = await serverProcess(cwd);
    expect(second.out).not.toMatch(/password/);
    expect(await stop(second.child)).toBe(0);
  }, 60_000);

  it('exits 3 with a clear message when its store cannot be reached, password hidden', async () => {
    const result = await firedrill(cwd, 'server', '--listen', '127.0.0.1:0', '--database', 'postgres://fd:hunter2@127.0.0.1:1/x');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('cannot reach the store postgres://fd:***@127.0.0.1:1/x');
    expect(result.stderr).not.toContain('hunter2');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack
  });

  it('exits 3 and refuses to touch a store whose schema is newer than it knows', async () => {
    const db = new Database(join(cwd, '.firedrill', 'server.db'));
    db.prepare(`INSERT INTO firedrill_migration (name, timestamp) VALUES ('9999-later', '2030-01-01')`).run();
    db.close();
    const result = await firedrill(cwd, 'server', '--listen', '127.0.0.1:0');
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/schema version 9999-later, newer than this firedrill knows/);
  });

  it('imports the journals of local runs, once, and lists the audit log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-import-'));
    try {
      writeFileSync(join(dir, 'quick.yaml'), 'title: local quick\nmethod:\n  - { name: w, wait: 10ms }\n');
      expect((await firedrill(dir, 'run', 'quick.yaml', '-q')).code).toBe(0);
      const first = await firedrill(dir, 'server', 'import', '--json');
      expect(first.code).toBe(0);
      const { imported } = JSON.parse(first.stdout) as { imported: string[] };
      expect(imported).toHaveLength(1);
      expect(JSON.parse((await firedrill(dir, 'server', 'import', '--json')).stdout)).toEqual({ imported: [], skipped: imported });
      const server = await serverProcess(dir);
      const url = /control plane: (http:\/\/127\.0\.0\.1:\d+)/.exec(server.out)?.[1] ?? '';
      const password = /one-time password (\S+)/.exec(server.out)?.[1] ?? '';
      const login = await fetch(`${url}/api/v1/login`, { method: 'POST', body: JSON.stringify({ name: 'admin', password }) });
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const got = (await (await fetch(`${url}/api/v1/runs/${imported[0] ?? ''}`, { headers: { cookie } })).json()) as {
        run: { title: string; verdict: string };
      };
      expect(got.run).toMatchObject({ title: 'local quick', verdict: 'passed' });
      await fetch(`${url}/api/v1/login`, { method: 'POST', body: JSON.stringify({ name: 'admin', password: 'wrong' }) });
      expect(await stop(server.child)).toBe(0);
      const audit = await firedrill(dir, 'audit', '--action', 'login');
      expect(audit.code).toBe(0);
      expect(audit.stdout).toMatch(/admin {2}login from 127\.0\.0\.1 {2}denied: wrong name or password/);
      expect(audit.stdout).toMatch(/admin {2}login from 127\.0\.0\.1 {2}ok/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('serves HTTPS with --tls-cert and --tls-key, and its session cookie is then Secure', async () => {
    const made = await selfSignedCertificate();
    if ('skip' in made) throw new Error(made.skip); // CI installs openssl: a skip would prove nothing
    const dir = mkdtempSync(join(tmpdir(), 'fd-tls-'));
    try {
      writeFileSync(join(dir, 'cert.pem'), made.cert);
      writeFileSync(join(dir, 'key.pem'), made.key);
      const server = await serverProcess(dir, '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem'));
      const url = /control plane: (https:\/\/127\.0\.0\.1:\d+)/.exec(server.out)?.[1] ?? '';
      expect(url).toMatch(/^https:/);
      const password = /one-time password (\S+)/.exec(server.out)?.[1] ?? '';
      const answer = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
        const req = httpsRequest(`${url}/api/v1/login`, { method: 'POST', ca: made.cert }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, cookie: String(res.headers['set-cookie'] ?? '') });
        });
        req.on('error', reject);
        req.end(JSON.stringify({ name: 'admin', password }));
      });
      expect(answer.status).toBe(200);
      expect(answer.cookie).toMatch(/; Secure/i);
      expect(await stop(server.child)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses to listen beyond loopback in clear without --insecure (exit 2)', async () => {
    const result = await firedrill(cwd, 'server', '--listen', '0.0.0.0:0');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('without TLS');
  });
});
