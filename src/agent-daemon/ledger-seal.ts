import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FiredrillError } from '../errors.js';
import { openPrivate } from '../util/private-files.js';

/**
 * What a revert needs of a fault whose parameters hold a secret (a disk-fill directory named
 * by one, a header an HTTP fault matches) is kept in the ledger sealed — AES-256-GCM under
 * `ledger.key`, next to the ledger, mode 0600 — while the ledger's readable columns hold it
 * redacted (`***`). So a copy of the ledger (a backup, a file attached to a bug report, the
 * pages SQLite leaves in its WAL) holds no secret, and a restarted agent can still revert from
 * the ledger and its key alone. The key is made when the first secret is sealed.
 *
 *   seal:   v1:<base64 of iv(12) · tag(16) · ciphertext>, with the fault's tag as associated data
 */
export class LedgerSeal {
  readonly keyFile: string;
  #key: Buffer | undefined;

  constructor(ledgerFile: string) {
    this.keyFile = join(dirname(ledgerFile), 'ledger.key');
  }

  seal(value: unknown, tag: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#keyForSealing(), iv);
    cipher.setAAD(Buffer.from(tag));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return `v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  /** Throws FD_LEDGER_SEAL when the key is missing or the seal was not made with it. */
  unseal(sealed: string, tag: string): unknown {
    if (!sealed.startsWith('v1:')) throw sealError(`unknown seal format "${sealed.slice(0, 8)}…"`);
    const bytes = Buffer.from(sealed.slice(3), 'base64');
    const key = this.#readKey();
    if (!key) throw sealError(`the key file ${this.keyFile} is missing`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(tag));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return JSON.parse(Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8')) as unknown;
    } catch (error) {
      throw sealError(`it does not open with the key in ${this.keyFile}`, error);
    }
  }

  #keyForSealing(): Buffer {
    const existing = this.#readKey();
    if (existing) return existing;
    const key = randomBytes(32);
    const temp = `${this.keyFile}.${process.pid}.tmp`;
    rmSync(temp, { force: true });
    const fd = openPrivate(temp, 'wx');
    try {
      writeSync(fd, `${key.toString('hex')}\n`);
      fsyncSync(fd); // on disk before the first record sealed with it
    } finally {
      closeSync(fd);
    }
    // link, not rename: another process (the CLI's recover, an agent) may have made one meanwhile, and theirs wins.
    try {
      linkSync(temp, this.keyFile);
      this.#key = key;
      return key;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return this.#readKey() as Buffer;
    } finally {
      rmSync(temp, { force: true });
    }
  }

  #readKey(): Buffer | undefined {
    if (this.#key) return this.#key;
    let text: string;
    try {
      text = readFileSync(this.keyFile, 'utf8').trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw sealError(`cannot read ${this.keyFile}: ${(error as Error).message}`, error);
    }
    if (!/^[0-9a-f]{64}$/.test(text)) throw sealError(`${this.keyFile} does not hold a key`);
    this.#key = Buffer.from(text, 'hex');
    return this.#key;
  }
}

function sealError(why: string, cause?: unknown): FiredrillError {
  return new FiredrillError('FD_LEDGER_SEAL', `the sealed parameters of this fault cannot be read: ${why}`, { cause });
}
