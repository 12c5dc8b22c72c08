import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger, ledgerFile } from '../../src/agent-daemon/ledger.js';
import { LocalExecutor } from '../../src/agent-daemon/local-executor.js';
import type { FaultRequest } from '../../src/engine/executor.js';
import { faultTypes } from '../../src/faults/index.js';
import { SecretSet } from '../../src/util/redact.js';
import { host, Lab } from '../faults/helpers.js';
import { allowOnHost, AgentHarness } from './harness.js';

const lab = new Lab();
const closers: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await lab.cleanup();
});

const secret = `s3cr3t-${Math.random().toString(36).slice(2, 10)}`;
const never = new AbortController().signal;

/** The ledger's files as they are on disk: the database and its write-ahead log. */
function ledgerBytes(stateDir: string): Buffer {
  return Buffer.concat(['ledger.db', 'ledger.db-wal'].map((name) => readFileSync(join(stateDir, name))));
}

/** A directory named after the secret, as a disk-fill of `directory: /…/${token}` makes. */
function secretDir(): string {
  const dir = join(lab.tempDir(), secret);
  mkdirSync(dir);
  return dir;
}

function executor(stateDir: string, secrets?: SecretSet): { executor: LocalExecutor; ledger: Ledger } {
  const ledger = new Ledger(ledgerFile(stateDir), secrets ? { secrets } : {});
  const executor = new LocalExecutor({ ledger, faults: faultTypes, workDir: join(stateDir, 'work') });
  closers.push(() => ledger.close());
  return { executor, ledger };
}

function fill(directory: string): FaultRequest {
  return {
    runId: 'r1',
    faultId: 'f1',
    step: 'method[0]',
    type: 'disk-fill',
    target: host,
    params: { directory, bytes: 4096, keepFree: 0 },
  };
}

describe('secret parameters at rest', () => {
  it('takes the secrets of an inject request and keeps them out of the ledger files, while the faults act in clear', async () => {
    const harness = new AgentHarness();
    closers.push(() => harness.close());
    const directory = secretDir();
    allowOnHost(harness.stateDir, { directories: [directory] });
    const proxy = await harness.core.proxies.create({ name: 'web', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
    const link = { kind: 'proxy' as const, name: 'web', listen: proxy.listen, upstream: proxy.upstream };

    const aborted = await harness.inject('r1', {
      faultId: 'abort',
      type: 'http-abort',
      target: link,
      params: { status: 418, body: `no entry for ${secret}`, headers: { 'x-key': secret } },
      secrets: [secret],
    });
    expect(aborted.status, JSON.stringify(aborted.body)).toBe(201);
    const { runId: _, ...request } = fill(directory);
    const filled = await harness.inject('r1', { ...request, faultId: 'disk', secrets: [secret] });
    expect(filled.status, JSON.stringify(filled.body)).toBe(201);
    expect(existsSync(join(directory, '.firedrill-fill-fd-r1-disk'))).toBe(true);
    expect(harness.core.proxies.get('web')?.toxics).toEqual([
      expect.objectContaining({
        attributes: expect.objectContaining({ body: `no entry for ${secret}`, match: { headers: { 'x-key': secret } } }),
      }),
    ]);

    expect(ledgerBytes(harness.stateDir).includes(secret)).toBe(false);
    for (const faultId of ['abort', 'disk']) expect((await harness.revert('r1', faultId)).body.verification).toMatchObject({ ok: true });
    expect(existsSync(join(directory, '.firedrill-fill-fd-r1-disk'))).toBe(false);
    expect(ledgerBytes(harness.stateDir).includes(secret)).toBe(false);
  });

  it('reverts from the ledger alone after a crash: what the revert needs is sealed there, the rest redacted', async () => {
    const stateDir = lab.tempDir();
    const directory = secretDir();
    const crashed = executor(stateDir, new SecretSet([secret]));
    await crashed.executor.inject(fill(directory), never);
    const fillFile = join(directory, '.firedrill-fill-fd-r1-f1');
    expect(existsSync(fillFile)).toBe(true);
    // The process dies here, its fault active. On disk: no secret, the parameters redacted.
    expect(ledgerBytes(stateDir).includes(secret)).toBe(false);
    const raw = new Database(ledgerFile(stateDir), { readonly: true });
    closers.push(() => {
      raw.close();
    });
    const row = raw.prepare(`SELECT params, state, sealed FROM faults`).get() as { params: string; state: string; sealed: string };
    expect(JSON.parse(row.params)).toMatchObject({ directory: join(directory, '..', '***') });
    expect(JSON.parse(row.state)).toMatchObject({ path: join(directory, '..', '***', '.firedrill-fill-fd-r1-f1') });
    expect(row.sealed).toMatch(/^v1:/);

    const fresh = executor(stateDir); // a new process: it knows no secret
    const [recovered] = await fresh.executor.recover();
    expect(recovered?.verification).toMatchObject({ ok: true });
    expect(existsSync(fillFile)).toBe(false);
    // It learned the secret from the seal, so what it writes next (logs, records) is redacted.
    expect(fresh.ledger.secrets.redact(`gone: ${fillFile}`)).not.toContain(secret);
    expect(fresh.ledger.latest('r1', 'f1')).toMatchObject({ status: 'reverted', params: { directory } });
    expect(ledgerBytes(stateDir).includes(secret)).toBe(false);
  });

  it('does not pretend to revert a sealed record whose key is gone: the revert fails and says why', async () => {
    const stateDir = lab.tempDir();
    const directory = secretDir();
    const crashed = executor(stateDir, new SecretSet([secret]));
    await crashed.executor.inject(fill(directory), never);
    rmSync(join(stateDir, 'ledger.key'));

    const fresh = executor(stateDir);
    const [recovered] = await fresh.executor.recover();
    expect(recovered?.verification).toEqual({ ok: false, detail: expect.stringContaining('ledger.key') as unknown });
    expect(fresh.ledger.latest('r1', 'f1')).toMatchObject({ status: 'revert-failed' }); // recorded, for `firedrill status`
    expect(existsSync(join(directory, '.firedrill-fill-fd-r1-f1'))).toBe(true);
    rmSync(join(directory, '.firedrill-fill-fd-r1-f1'));
  });
});
