import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { StartCommand } from '../../src/engine/target.js';
import { findMatching } from '../../src/targets/match.js';
import { isAlive } from '../../src/targets/proc.js';
import { exactly, host, Lab, processTarget } from '../faults/helpers.js';
import { allowOnHost, AgentHarness } from './harness.js';

const lab = new Lab();
const agents: AgentHarness[] = [];

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
  await lab.cleanup();
});

function agent(options: { inventory?: string } = {}): AgentHarness {
  const harness = new AgentHarness(undefined, options);
  agents.push(harness);
  return harness;
}

/** A running sleep, the start command that would bring it back, and how to find it. */
async function service() {
  const child = await lab.sleep();
  const pid = child.pid as number;
  const match = { cmdline: exactly(processTarget(pid).cmdline) };
  const start: StartCommand = { command: child.spawnargs };
  return { pid, match, start, target: processTarget(pid, { match, start }) };
}

function refusals(harness: AgentHarness) {
  return harness.logs.filter((line) => line.fields?.code === 'FD_NOT_ALLOWED');
}

describe('agent: only its host says what it may run, read and write', () => {
  it('refuses with 403 a start command sent by a token holder: nothing killed, recorded or run, and an audit line', async () => {
    const harness = agent();
    const { pid, target } = await service();
    const proof = join(lab.tempDir(), 'ran-as-the-agent');
    const answer = await harness.inject('r1', {
      type: 'process-kill',
      target: { ...target, start: { command: ['sh', '-c', `touch ${proof}`] } },
      params: { signal: 'SIGKILL', restart: true },
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error).toMatchObject({ code: 'FD_NOT_ALLOWED' });
    expect(answer.body.error.message).toContain(`touch ${proof}`);
    expect(answer.body.error.message).toContain(join(harness.stateDir, 'allow.json'));
    expect(isAlive(pid)).toBe(true);
    expect(harness.core.ledger.latest('r1', 'f1')).toBeUndefined();
    await harness.revert('r1', 'f1');
    await sleep(100);
    expect(existsSync(proof)).toBe(false);
    expect(refusals(harness)).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'refused: not allowed on this host',
        fields: expect.objectContaining({ runId: 'r1' }),
      }),
    ]);
  });

  it('refuses a start spec whose cwd, env or log differs from the one allowed, and a pid file it does not know', async () => {
    const harness = agent();
    const { target, start, match } = await service();
    const dir = lab.tempDir();
    allowOnHost(harness.stateDir, { start: [{ ...start, cwd: dir, log: join(dir, 'svc.log') }], pidFiles: [join(dir, 'svc.pid')] });
    const allowed = { ...start, cwd: dir, log: join(dir, 'svc.log') };
    const variants: Record<string, object> = {
      cwd: { start: { ...allowed, cwd: '/' } },
      env: { start: { ...allowed, env: { LD_PRELOAD: join(dir, 'evil.so') } } },
      log: { start: { ...allowed, log: '/etc/cron.d/firedrill' } },
      command: { start: { ...allowed, command: [...start.command, '--and-more'] } },
      pidFile: { start: allowed, match: { ...match, pidFile: '/etc/shadow' } },
    };
    for (const [field, change] of Object.entries(variants)) {
      const answer = await harness.inject(`r-${field}`, { type: 'process-restart', target: { ...target, ...change }, params: {} });
      expect([field, answer.status, answer.body.error?.code]).toEqual([field, 403, 'FD_NOT_ALLOWED']);
    }
    expect(refusals(harness)).toHaveLength(5);
  });

  it('refuses a disk-fill outside the directories its host allows, and fills inside and below them', async () => {
    const harness = agent();
    const allowed = lab.tempDir();
    const elsewhere = lab.tempDir();
    mkdirSync(join(allowed, 'below'));
    allowOnHost(harness.stateDir, { directories: [allowed] });
    const fill = (faultId: string, directory: string) =>
      harness.inject('r1', { faultId, type: 'disk-fill', target: host, params: { directory, bytes: 4096, keepFree: 0 } });
    for (const directory of [elsewhere, `${allowed}-sibling`, join(allowed, '..', 'x'), '/']) {
      const answer = await fill(`no${directory.length}`, directory);
      expect([directory, answer.status, answer.body.error?.code]).toEqual([directory, 403, 'FD_NOT_ALLOWED']);
    }
    expect(readdirSync(elsewhere)).toEqual([]);
    expect((await fill('here', allowed)).status).toBe(201);
    expect((await fill('below', join(allowed, 'below'))).status).toBe(201);
  });

  it('runs the start command and reads the pid file of its allow-list', async () => {
    const harness = agent();
    const { pid, target, start, match } = await service();
    const pidFile = join(lab.tempDir(), 'svc.pid');
    writeFileSync(pidFile, `${pid}\n`);
    allowOnHost(harness.stateDir, { start: [start], pidFiles: [pidFile] });
    const paused = await harness.inject('r1', { type: 'process-pause', target: { ...target, match: { ...match, pidFile } }, params: {} });
    expect(paused.status, JSON.stringify(paused.body)).toBe(201);
    expect((await harness.revert('r1', 'f1')).body.verification).toMatchObject({ ok: true });
    const killed = await harness.inject('r2', { type: 'process-kill', target, params: { signal: 'SIGKILL', restart: true } });
    expect(killed.status, JSON.stringify(killed.body)).toBe(201);
    const reverted = await harness.revert('r2', 'f1');
    for (const info of findMatching(match)) lab.track(info.pid);
    expect(reverted.body.verification).toMatchObject({ ok: true });
    expect(findMatching(match)).toHaveLength(1);
  });

  it('takes start commands and pid files from the inventory it was started with', async () => {
    const { target, start, match } = await service();
    const dir = lab.tempDir();
    const inventory = join(dir, 'inventory.yaml');
    writeFileSync(
      inventory,
      `services:\n  svc:\n    agent: here\n    process: { cmdline: ${JSON.stringify(match.cmdline)} }\n` +
        `    start: { command: ${JSON.stringify(start.command)} }\n` +
        `  other: { agent: here, process: { pidFile: /run/other.pid } }\n` +
        `agents:\n  here: { url: "http://127.0.0.1:1", tokenEnv: T }\n`,
    );
    const harness = agent({ inventory });
    const answer = await harness.inject('r1', { type: 'process-restart', target, params: {} });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const reverted = await harness.revert('r1', 'f1');
    for (const info of findMatching(match)) lab.track(info.pid);
    expect(reverted.body.verification).toMatchObject({ ok: true });
    expect((await harness.find({ pidFile: '/run/other.pid' })).status).toBe(200);
    const other = await harness.inject('r2', { type: 'process-restart', target: { ...target, start: { command: ['true'] } }, params: {} });
    expect(other.status).toBe(403);
    expect(other.body.error.message).toContain(inventory);
  });

  it('refuses to look for processes by a pid file it does not allow', async () => {
    const harness = agent();
    const found = await harness.find({ pidFile: '/etc/passwd' });
    expect(found.status).toBe(403);
    expect(found.body.error.code).toBe('FD_NOT_ALLOWED');
    const pidFile = join(lab.tempDir(), 'svc.pid');
    writeFileSync(pidFile, `${process.pid}\n`);
    allowOnHost(harness.stateDir, { pidFiles: [pidFile] });
    expect((await harness.find({ pidFile })).status).toBe(200);
  });

  it('ignores an allow-list that others may write, and says so', async () => {
    const harness = agent();
    const { target, start } = await service();
    const file = allowOnHost(harness.stateDir, { start: [start] });
    chmodSync(file, 0o666);
    const answer = await harness.inject('r1', { type: 'process-restart', target, params: {} });
    expect(answer.status).toBe(403);
    expect(answer.body.error.message).toMatch(/allow\.json is ignored: others may write it \(mode 666\)/);
  });
});
