// Where the project is: bench/ sits at its root, and the CLI the benches drive is the built
// bin/firedrill.js (`npm run build` first).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const bin = join(root, 'bin', 'firedrill.js');
