import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { diskFill, fillPath } from '../../src/faults/disk-fill.js';
import { host, Lab } from './helpers.js';

const MIB = 2 ** 20;
const lab = new Lab();
afterEach(async () => {
  await lab.cleanup();
});

/**
 * A small tmpfs of our own when we may mount one (root): its free space moves only with our
 * file, so the free-space checks are exact. Elsewhere a temp dir and looser checks, because
 * other writers on the same disk move its free space too.
 */
let dir = '';
let isolated = false;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'firedrill-fill-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'firedrill-test', dir], { stdio: 'ignore' });
    isolated = true;
  } catch {
    isolated = false;
  }
});
afterAll(() => {
  if (isolated) execFileSync('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
});

function free(): number {
  const fs = statfsSync(dir);
  return fs.bavail * fs.bsize;
}

describe('disk-fill', () => {
  it('writes a real file that takes the free space, and gives it back on revert', async () => {
    const before = free();
    const ctx = lab.context(diskFill, { directory: dir, bytes: '4MiB', keepFree: 0 }, host);
    const state = await diskFill.inject(ctx);

    expect(state).toEqual({ path: join(dir, `.firedrill-fill-${ctx.tag}`), bytes: 4 * MIB });
    const file = statSync(state.path);
    expect(file.size).toBe(4 * MIB);
    expect(file.blocks * 512).toBeGreaterThanOrEqual(4 * MIB); // allocated, not sparse
    expect(free()).toBeLessThanOrEqual(before - (isolated ? 4 * MIB : 2 * MIB));
    expect((await diskFill.verify(ctx, state)).ok).toBe(false);

    await diskFill.revert(ctx, state);
    expect(existsSync(state.path)).toBe(false);
    expect(free()).toBeGreaterThanOrEqual(before - (isolated ? 0 : 2 * MIB));
    expect(await diskFill.verify(ctx, state)).toEqual({ ok: true, detail: `${state.path} is gone` });
  });

  it('fills a share of the free space', async () => {
    const before = free();
    // a quarter of our small tmpfs, or about 2 MiB of a shared disk
    const percent = isolated ? 25 : ((2 * MIB) / before) * 100;
    const ctx = lab.context(diskFill, { directory: dir, percent, keepFree: 0 }, host);
    const state = await diskFill.inject(ctx);
    expect(state.bytes).toBeCloseTo((before * percent) / 100, isolated ? 0 : -7);
    expect(statSync(state.path).size).toBe(state.bytes);
    await diskFill.revert(ctx, state);
    expect(existsSync(state.path)).toBe(false);
  });

  it('refuses a fill that would leave less than keepFree', async () => {
    const ctx = lab.context(diskFill, { directory: dir, percent: 100 }, host);
    await expect(diskFill.inject(ctx)).rejects.toThrow(/must stay free/);
    expect(existsSync(fillPath(ctx))).toBe(false);
  });

  it('removes the file found from the intent alone when the state was lost', async () => {
    const ctx = lab.context(diskFill, { directory: dir, bytes: 2 * MIB, keepFree: 0 }, host);
    const { path } = await diskFill.inject(ctx);
    await diskFill.revert(ctx, undefined);
    expect(existsSync(path)).toBe(false);
    expect((await diskFill.verify(ctx, undefined)).ok).toBe(true);
  });

  it('stops writing when the run aborts and leaves a file revert removes', async () => {
    const controller = new AbortController();
    const ctx = lab.context(diskFill, { directory: dir, bytes: '16MiB', keepFree: 0 }, host, controller.signal);
    const injecting = diskFill.inject(ctx);
    controller.abort(new Error('halt'));
    await expect(injecting).rejects.toThrow(/halt/);
    expect(statSync(fillPath(ctx)).size).toBeLessThan(16 * MIB);
    await diskFill.revert(ctx, undefined);
    expect(existsSync(fillPath(ctx))).toBe(false);
  });

  it('validates its parameters', () => {
    const parse = (params: unknown) => diskFill.params.safeParse(params);
    expect(diskFill.params.parse({ directory: '/var/tmp', bytes: '512MiB' })).toEqual({
      directory: '/var/tmp',
      bytes: 512 * MIB,
      keepFree: 256 * MIB,
    });
    expect(parse({ directory: '/var/tmp', bytes: '1GB' }).data).toMatchObject({ bytes: 1e9 });
    expect(parse({ directory: '/var/tmp' }).success).toBe(false);
    expect(parse({ directory: '/var/tmp', bytes: 1, percent: 1 }).success).toBe(false);
    expect(parse({ directory: 'relative', bytes: 1 }).success).toBe(false);
    expect(parse({ directory: '/var/tmp', bytes: '12 parsecs' }).success).toBe(false);
    expect(parse({ directory: '/var/tmp', percent: 101 }).success).toBe(false);
  });
});
