import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The launcher a user runs; `npm test` builds the bundle it starts. */
export const BIN = fileURLToPath(new URL('../../bin/firedrill.js', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI in `cwd` (the test's own directory); a non-zero exit is a result. */
export async function firedrill(cwd: string | undefined, ...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      ...(cwd ? { cwd } : {}),
      env: { ...process.env, NO_COLOR: '1' },
      maxBuffer: 16 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as CliResult;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
