import { execFile } from 'node:child_process';
import type * as FsPromises from 'node:fs/promises';
import { promisify } from 'node:util';
import { OperationalError, errorMessage } from '../../errors.js';
import { lazy } from '../../util/lazy-builtin.js';

const { lstat, readFile } = lazy<typeof FsPromises>('node:fs/promises');
const run = promisify(execFile);
const TIMEOUT_MS = 15_000;

/**
 * Whether systemd manages this host: PID 1 is systemd and its runtime directory exists (what
 * sd_booted checks). Never assumed: in a container PID 1 is often something else, and then
 * systemctl has nobody to talk to.
 */
export async function systemdRuns(): Promise<{ runs: boolean; pid1: string }> {
  const pid1 = (await readFile('/proc/1/comm', 'utf8').catch(() => '')).trim() || 'unknown';
  const runtime = await lstat('/run/systemd/system').catch(() => undefined);
  return { runs: pid1 === 'systemd' && runtime?.isDirectory() === true, pid1 };
}

/** Runs systemctl with an argument array (never a shell); throws with its stderr. */
export async function systemctl(args: readonly string[]): Promise<string> {
  try {
    return (await run('systemctl', args, { timeout: TIMEOUT_MS })).stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new OperationalError('FD_SYSTEMCTL', `systemctl ${args.join(' ')} failed: ${stderr || errorMessage(error)}`, { cause: error });
  }
}

/** What `systemctl is-active|is-enabled UNIT` answers (`inactive`, `not-found`…), whatever its exit status. */
export async function unitStatus(query: 'is-active' | 'is-enabled', unit: string): Promise<string> {
  try {
    return (await run('systemctl', [query, unit], { timeout: TIMEOUT_MS })).stdout.trim();
  } catch (error) {
    const stdout = (error as { stdout?: string }).stdout?.trim();
    return stdout || 'unknown';
  }
}
