import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The firedrill executable this process runs from, as a real path: `npx firedrill` starts it
 * through a symlink in a `.bin` directory (even one under ~/.npm/_npx), and the package's own
 * files (examples/, dist/) are found next to the real file, not next to the link.
 */
export function selfBin(fallback = 'bin/firedrill.js'): string {
  const given = resolve(process.argv[1] ?? fallback);
  try {
    return realpathSync(given);
  } catch {
    return given;
  }
}
