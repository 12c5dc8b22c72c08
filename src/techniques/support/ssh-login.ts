import { execFile } from 'node:child_process';
import type * as FsPromises from 'node:fs/promises';
import { join } from 'node:path';
import { lazy } from '../../util/lazy-builtin.js';

const { rm, writeFile } = lazy<typeof FsPromises>('node:fs/promises');

/** How one password login ended: refused by the server, or no answer at all (unreachable, timed out). */
export type LoginOutcome = 'denied' | 'accepted' | 'error';

/** Where a drill's askpass program is: in the agent's work directory, named by the tag (found again without the state). */
export const askpassPath = (workDir: string, tag: string) => join(workDir, `fd-askpass-${tag}`);

/**
 * The program ssh asks for the password (SSH_ASKPASS): it prints the one the drill hands it in
 * its environment — the tag is in its name and a comment, never in its code, so no drill text
 * is ever run by the shell.
 */
export async function writeAskpass(workDir: string, tag: string): Promise<string> {
  const path = askpassPath(workDir, tag);
  const comment = tag.replace(/[^\w.-]/g, '_');
  await writeFile(
    path,
    `#!/bin/sh\n# Firedrill security drill ${comment} (T1110.001): prints a wrong password.\nprintf '%s\\n' "$FIREDRILL_PASSWORD"\n`,
    {
      flag: 'wx',
      mode: 0o700,
    },
  );
  return path;
}

export async function removeAskpass(workDir: string, tag: string): Promise<void> {
  await rm(askpassPath(workDir, tag), { force: true });
}

/**
 * One password login with the system's OpenSSH client, which sshd logs as a real one
 * (`Failed password for … from …`): password only, one prompt, no host key kept, no user
 * configuration read; the password comes from the askpass program, never a terminal.
 */
export function sshLogin(options: {
  host: string;
  port: number;
  username: string;
  password: string;
  askpass: string;
  timeoutMs: number;
  signal: AbortSignal;
}): Promise<{ outcome: LoginOutcome; detail: string }> {
  const connectTimeout = Math.max(1, Math.min(5, Math.floor(options.timeoutMs / 1000)));
  const args = [
    '-F',
    '/dev/null',
    '-n',
    '-T',
    '-o',
    'BatchMode=no',
    '-o',
    'PreferredAuthentications=password',
    '-o',
    'PubkeyAuthentication=no',
    '-o',
    'KbdInteractiveAuthentication=no',
    '-o',
    'NumberOfPasswordPrompts=1',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    `ConnectTimeout=${connectTimeout}`,
    '-o',
    'LogLevel=ERROR',
    '-p',
    String(options.port),
    '-l',
    options.username,
    options.host,
    'true',
  ];
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    SSH_ASKPASS: options.askpass,
    SSH_ASKPASS_REQUIRE: 'force',
    DISPLAY: ':0', // older clients ask a program only with a display; no X is ever opened
    FIREDRILL_PASSWORD: options.password,
  };
  return new Promise((resolve) => {
    execFile('ssh', args, { env, timeout: options.timeoutMs, signal: options.signal }, (error, _stdout, stderr) => {
      const said = String(stderr).trim().split('\n').at(-1) ?? '';
      if (!error) resolve({ outcome: 'accepted', detail: 'logged in' });
      else if (/Permission denied/.test(String(stderr))) resolve({ outcome: 'denied', detail: said });
      else resolve({ outcome: 'error', detail: said || error.message });
    });
  });
}
