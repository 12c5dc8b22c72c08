import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';

/** The API token of a command that talks to a server: FIREDRILL_TOKEN, or the first line of --token-file. */
export function readToken(file: string | undefined): string {
  if (file !== undefined) {
    const token = readFileSync(file, 'utf8').split('\n')[0]?.trim() ?? '';
    if (!token) throw new UserError('FD_NO_TOKEN', `--token-file ${file} is empty`);
    return token;
  }
  const token = process.env.FIREDRILL_TOKEN?.trim();
  if (!token) throw new UserError('FD_NO_TOKEN', 'talking to a server needs an API token: set FIREDRILL_TOKEN or pass --token-file');
  return token;
}
