import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger, ledgerFile } from '../../src/agent-daemon/ledger.js';
import type { Intent } from '../../src/agent-daemon/ledger.js';
import { LEDGER_VERSION } from '../../src/agent-daemon/ledger-schema.js';

let stateDir = '';
let ledger: Ledger;
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'firedrill-ledger-'));
  ledger = new Ledger(ledgerFile(stateDir));
});
afterEach(() => {
  ledger.close();
  rmSync(stateDir, { recursive: true, force: true });
});

const intent: Intent = {
  faultId: 'f1',
  runId: 'r1',
  step: 'method[0]',
  type: 'process-pause',
  target: { kind: 'process', pid: 4242, name: 'sleep', cmdline: 'sleep 300' },
  params: {},
  tag: 'fd-r1-f1',
  workDir: '/tmp/work',
  durationMs: 5000,
};

describe('Ledger', () => {
  it('keeps its file in the state directory', () => {
    expect(ledger.file).toBe(join(stateDir, 'ledger.db'));
  });

  it('records an intent, then the active state, then the verified revert', () => {
    const record = ledger.recordIntent(intent);
    expect(record).toMatchObject({ ...intent, status: 'intent' });
    expect(ledger.open().map((r) => r.id)).toEqual([record.id]);

    ledger.markActive(record.id, { pid: 4242 }, 1000);
    expect(ledger.get(record.id)).toMatchObject({ status: 'active', state: { pid: 4242 }, injectedAt: 1000 });

    const verification = { ok: true, detail: 'pid 4242 is running (state S)' };
    ledger.markReverted(record.id, { revertedAt: 2000, verifiedAt: 2001, verification });
    expect(ledger.get(record.id)).toMatchObject({ status: 'reverted', revertedAt: 2000, verifiedAt: 2001, verification });
    expect(ledger.open()).toEqual([]);
  });

  it('records a failed revert with its error and keeps the record out of the open set', () => {
    const { id } = ledger.recordIntent(intent);
    const verification = { ok: false, detail: 'pid 4242 is still stopped (state T)' };
    ledger.markRevertFailed(id, { revertedAt: 1, verifiedAt: 2, verification, error: 'revert: EPERM' });
    expect(ledger.get(id)).toMatchObject({ status: 'revert-failed', verification, error: 'revert: EPERM' });
    expect(ledger.open()).toEqual([]);
  });

  it('refuses to activate a record that was already reverted', () => {
    const { id } = ledger.recordIntent(intent);
    ledger.markReverted(id, { revertedAt: 1, verifiedAt: 2, verification: { ok: true, detail: 'gone' } });
    expect(() => ledger.markActive(id, {})).toThrow(/not awaiting activation/);
    expect(() => ledger.markReverted(id, { revertedAt: 1, verifiedAt: 2, verification: { ok: true, detail: 'gone' } })).toThrow(
      /already reverted/,
    );
  });

  it('finds the latest record of a fault id that repeats across runs', () => {
    ledger.recordIntent(intent);
    const second = ledger.recordIntent({ ...intent, runId: 'r2', tag: 'fd-r2-f1' });
    expect(ledger.latest('r2', 'f1')?.id).toBe(second.id);
    expect(ledger.latest('r1', 'nope')).toBeUndefined();
  });

  it('is readable from another connection at once: WAL, a schema version, reopens', () => {
    const { id } = ledger.recordIntent(intent);
    const other = new Database(ledger.file, { readonly: true });
    try {
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(other.prepare('SELECT status FROM faults WHERE id = ?').get(id)).toEqual({ status: 'intent' });
      expect(other.pragma('user_version', { simple: true })).toBe(LEDGER_VERSION);
    } finally {
      other.close();
    }
    const reopened = new Ledger(ledger.file);
    try {
      expect(reopened.open().map((r) => r.id)).toEqual([id]);
    } finally {
      reopened.close();
    }
  });

  it('commits the intent of a fault whose effect dies with Firedrill (volatile) without an fsync, seen at once by another connection', () => {
    // What a crash of this process must find: the commit reached the WAL (the OS has it). The
    // fsync that a durable intent adds is the difference for a crash of the machine only.
    const record = ledger.recordIntent({ ...intent, type: 'proxy-latency' }, { durable: false });
    const other = new Database(ledgerFile(stateDir), { readonly: true });
    try {
      expect(other.prepare('SELECT status, type FROM faults WHERE id = ?').get(record.id)).toEqual({
        status: 'intent',
        type: 'proxy-latency',
      });
    } finally {
      other.close();
    }
    expect(ledger.open().map((r) => r.id)).toContain(record.id);
  });

  it('creates its files 0600 in a 0700 directory, and tightens them when they existed looser', () => {
    const dir = join(stateDir, 'old');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    for (const name of ['ledger.db', 'ledger.db-wal', 'ledger.db-shm']) {
      writeFileSync(join(dir, name), '');
      chmodSync(join(dir, name), 0o644);
    }
    const fresh = join(stateDir, 'new');
    const opened = [new Ledger(ledgerFile(dir)), new Ledger(ledgerFile(fresh))];
    try {
      for (const each of opened) each.recordIntent(intent);
      const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
      for (const at of [dir, fresh]) {
        const modes = [at, ...['ledger.db', 'ledger.db-wal', 'ledger.db-shm'].map((name) => join(at, name))].map(mode);
        expect([at, ...modes]).toEqual([at, '700', '600', '600', '600']);
      }
    } finally {
      for (const each of opened) each.close();
    }
  });
});
