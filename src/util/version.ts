import { readFileSync } from 'node:fs';

/** Set by the bundler (scripts/bundle.mjs); read from package.json when run from source. */
declare const FIREDRILL_VERSION: string | undefined;

export function firedrillVersion(): string {
  if (typeof FIREDRILL_VERSION === 'string') return FIREDRILL_VERSION;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
