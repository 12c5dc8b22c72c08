import type * as Crypto from 'node:crypto';
import type * as FsPromises from 'node:fs/promises';
import { dirname, isAbsolute } from 'node:path';
import { z } from 'zod';
import { UserError, errorMessage } from '../errors.js';
import type { SweepableFault } from '../engine/fault.js';
import { lazy } from '../util/lazy-builtin.js';
import type { Technique } from './technique.js';

const { createHash, generateKeyPairSync } = lazy<typeof Crypto>('node:crypto');
const { lstat, readFile, rm, writeFile } = lazy<typeof FsPromises>('node:fs/promises');

/** An authorized_keys file bigger than this is not one a drill should rewrite. */
const MAX_BYTES = 1 << 20;

const params = z.strictObject({
  file: z
    .string()
    .refine(isAbsolute, 'must be an absolute path')
    .describe(
      'the authorized_keys file of the account, e.g. /home/deploy/.ssh/authorized_keys (created if absent, in an existing directory)',
    ),
});

type Params = z.output<typeof params>;
type State = {
  path: string;
  /** The file did not exist: revert removes it. */
  created: boolean;
  /** The file as it was: its SHA-256 and size. */
  sha256: string;
  size: number;
  /** What was appended (a newline first when the file did not end with one). */
  appended: string;
};

const comment = (tag: string) => `firedrill-${tag}`;

/**
 * T1098.004: an SSH authorized key added for an account — a fresh ed25519 public key whose
 * private half is thrown away at once (nobody can log in with it), its comment the drill's tag.
 * Revert takes exactly the appended bytes off again; verify proves the file is byte for byte
 * what it was (or gone, if the drill created it).
 */
export const sshAuthorizedKey: Technique<Params, State> & SweepableFault = {
  name: 'ssh-authorized-key',
  summary: 'T1098.004 Account Manipulation: SSH Authorized Keys — a tagged public key (its private key discarded) appended to a file.',
  attack: {
    id: 'T1098.004',
    name: 'Account Manipulation: SSH Authorized Keys',
    touches: 'one line appended to the authorized_keys file you name (or the file, created)',
    prerequisites: 'the file (or its directory) exists and is in the host allow-list; never a symbolic link',
    telemetry: [
      'a change to an authorized_keys file (file integrity monitoring, auditd -w FILE -p wa)',
      'a key with an unknown comment in the file',
    ],
  },
  targetKind: 'host',
  params,
  reversible: true,

  async inject(ctx) {
    const path = ctx.params.file;
    const before = await current(path);
    if (before === undefined) {
      const parent = await lstat(dirname(path)).catch(() => undefined);
      if (!parent?.isDirectory()) throw new UserError('FD_BAD_DIRECTORY', `${dirname(path)} does not exist: the technique needs it`);
    }
    const line = `ssh-ed25519 ${publicKeyBlob()} ${comment(ctx.tag)}\n`;
    const appended = before && before.length > 0 && !before.toString('latin1').endsWith('\n') ? `\n${line}` : line;
    if (before === undefined) await writeFile(path, appended, { flag: 'wx', mode: 0o600 });
    else await writeFile(path, appended, { flag: 'a' });
    return { path, created: before === undefined, sha256: sha256(before ?? Buffer.alloc(0)), size: before?.length ?? 0, appended };
  },

  async revert(ctx, state) {
    const path = state?.path ?? ctx.params.file;
    const now = await current(path);
    if (now === undefined) return; // removed meanwhile: by the responders, or never written
    const text = now.toString('latin1');
    let kept: string;
    if (state && text.endsWith(state.appended)) kept = text.slice(0, text.length - state.appended.length);
    else kept = withoutTagged(text, comment(ctx.tag)); // moved, or the state was lost in a crash: every line with the tag
    if (state?.created && kept.length === 0) await rm(path, { force: true });
    else if (kept !== text) await writeFile(path, Buffer.from(kept, 'latin1')); // in place: owner and mode kept
  },

  async verify(ctx, state) {
    const path = state?.path ?? ctx.params.file;
    const now = await current(path);
    if (!state) {
      return now?.toString('latin1').includes(comment(ctx.tag))
        ? { ok: false, detail: `${path} still holds the key ${comment(ctx.tag)}` }
        : { ok: true, detail: `${path} holds no key of the drill` };
    }
    if (state.created)
      return now === undefined ? { ok: true, detail: `${path} is gone, as before` } : { ok: false, detail: `${path} is still there` };
    if (now === undefined) return { ok: false, detail: `${path} is gone: it existed before the drill` };
    const same = sha256(now) === state.sha256;
    return same
      ? { ok: true, detail: `${path} is byte for byte as before (${state.size} bytes, sha256 ${state.sha256.slice(0, 12)}…)` }
      : { ok: false, detail: `${path} differs from before (${state.size} → ${now.length} bytes)` };
  },

  /** Contained: the drill's key is no longer in the file (whatever else the responders changed). */
  async contained(ctx, state) {
    const path = state?.path ?? ctx.params.file;
    const now = await current(path);
    return now?.toString('latin1').includes(comment(ctx.tag))
      ? { ok: false, detail: `${path} still holds the key ${comment(ctx.tag)}` }
      : { ok: true, detail: `the key ${comment(ctx.tag)} is gone from ${path}` };
  },

  async sweep(scope) {
    const removed: string[] = [];
    const files = new Set(scope.seenParams.flatMap((p) => (typeof p.file === 'string' ? [p.file] : [])));
    for (const file of files) {
      const now = await current(file).catch(() => undefined);
      if (!now) continue;
      const text = now.toString('latin1');
      const orphans = [...text.matchAll(/ firedrill-(fd-\S+)$/gm)].map((m) => m[1] ?? '').filter((tag) => scope.isOrphan(tag));
      if (orphans.length === 0) continue;
      await writeFile(
        file,
        Buffer.from(
          orphans.reduce((kept, tag) => withoutTagged(kept, comment(tag)), text),
          'latin1',
        ),
      );
      removed.push(...orphans.map((tag) => `ssh-authorized-key ${comment(tag)} in ${file}`));
    }
    return removed;
  },
};

/** The file's bytes, or undefined when it does not exist; refused when it is not a regular file or too big. */
async function current(path: string): Promise<Buffer | undefined> {
  const stat = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new UserError('FD_BAD_FILE', `${path}: ${errorMessage(error)}`, { cause: error });
  });
  if (!stat) return undefined;
  if (!stat.isFile())
    throw new UserError('FD_BAD_FILE', `${path} is not a regular file (a symbolic link?): the technique never follows one`);
  if (stat.size > MAX_BYTES)
    throw new UserError('FD_BAD_FILE', `${path} is ${stat.size} bytes: not an authorized_keys file a drill rewrites`);
  return readFile(path);
}

function withoutTagged(text: string, tag: string): string {
  return text
    .split(/(?<=\n)/)
    .filter((line) => !line.includes(tag))
    .join('');
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A fresh ed25519 public key in OpenSSH's wire format (base64); the private key is never kept. */
function publicKeyBlob(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  const field = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
  return Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]).toString('base64');
}
