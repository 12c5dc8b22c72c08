import { join } from 'node:path';
import { ESLint, Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import layers, { LAYERS } from '../../eslint/layers.js';

const root = join(import.meta.dirname, '..', '..');
const src = join(root, 'src');

/** Lints one made-up file with the layer rule alone (no type information needed). */
function crossings(file: string, code: string): string[] {
  const linter = new Linter({ configType: 'flat' });
  const config = [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser },
      plugins: { firedrill: layers },
      rules: { 'firedrill/layers': ['error', { srcRoot: src }] },
    },
  ] as Linter.Config[];
  return linter.verify(code, config, { filename: join(src, file) }).map((m) => m.message);
}

describe('the layer rule', () => {
  it.each([
    ['engine/run.ts', "import { x } from '../agent-client/client.js';", 'engine may not import agent-client'],
    ['engine/run.ts', "import type { x } from '../report/facts.js';", 'engine may not import report'],
    ['engine/run.ts', "import { x } from '../runs/fleet.js';", 'engine (layer 5) may not import runs (layer 4, above it)'],
    ['engine/run.ts', "const m = await import('../demo/demo.js');", 'engine (layer 5) may not import demo'],
    ['engine/run.ts', "export { x } from '../faults/index.js';", 'engine may not import faults'],
    ['proxy/link.ts', "import type { x } from '../experiment/schema.js';", 'proxy may not import experiment'],
    ['proxy/toxics/latency.ts', "import { x } from '../../engine/fault.js';", 'proxy (layer 6) may not import engine'],
    ['agent-client/client.ts', "import { x } from '../agent-daemon/ledger.js';", 'agent-client (layer 5) may not import agent-daemon'],
    ['agent-protocol/api.ts', "import { x } from '../agent-client/client.js';", 'agent-protocol may not import agent-client'],
    ['demo/demo.ts', "import { x } from '../cli/main.js';", 'demo (layer 3) may not import cli'],
    ['server/app.ts', "import { x } from '../demo/demo.js';", 'server may not import demo: only commands start the demo'],
    ['report/html.ts', "import { x } from '../runs/run-directory.js';", 'report (layer 5) may not import runs'],
    ['util/log.ts', "import { x } from '../experiment/schema.js';", 'util (layer 7) may not import experiment'],
    ['util/log.ts', "import { x } from '../errors.js';", ''],
    ['newfolder/x.ts', "import { x } from '../util/log.js';", 'src/newfolder is in no layer'],
  ])('%s: %s', (file, code, expected) => {
    const messages = crossings(file, code);
    if (expected === '') expect(messages).toEqual([]);
    else expect(messages.join('\n')).toContain(expected);
  });

  it('lets a file import its own row and the rows below', () => {
    expect(
      crossings(
        'faults/process-pause.ts',
        "import { a } from '../engine/fault.js'; import { b } from '../targets/proc.js'; import { c } from '../util/log.js';",
      ),
    ).toEqual([]);
    expect(crossings('cli/main.ts', "const d = await import('../demo/demo.js');")).toEqual([]);
    expect(crossings('agent-daemon/http/core.ts', "import { f } from '../../faults/index.js'; import { s } from './sweeper.js';")).toEqual(
      [],
    );
  });

  it('does not mistake a sub-folder for a layer of the same name', () => {
    // agent-daemon/http/errors.ts is not src/errors.ts; a folder "server" inside another is not src/server.
    expect(crossings('agent-daemon/http/app.ts', "import { e } from './errors.js'; import { s } from '../server/x.js';")).toEqual([]);
  });

  it('names every folder of src/ in a layer', async () => {
    const { readdirSync } = await import('node:fs');
    const named = new Set(LAYERS.flat());
    const folders = readdirSync(src, { withFileTypes: true }).map((entry) => entry.name.replace(/\.ts$/, ''));
    expect(folders.filter((name) => !named.has(name))).toEqual([]);
  });

  it('is switched on for every source file by the project eslint config', async () => {
    const eslint = new ESLint({ cwd: root });
    for (const file of ['src/engine/run.ts', 'src/proxy/link.ts', 'src/agent-client/client.ts', 'src/demo/demo.ts']) {
      const config = (await eslint.calculateConfigForFile(join(root, file))) as Linter.Config;
      expect(config.rules?.['firedrill/layers'], file).toBeDefined();
      expect(JSON.stringify(config.rules?.['firedrill/layers']), file).toMatch(/^\[2|^\["error"/);
    }
  });

  it('keeps the dashboard (web/) to the API types, imported as types', async () => {
    const eslint = new ESLint({ cwd: root });
    const config = (await eslint.calculateConfigForFile(join(root, 'web/src/main.tsx'))) as Linter.Config;
    const rule = config.rules?.['@typescript-eslint/no-restricted-imports'];
    expect(rule).toBeDefined();
    const linter = new Linter({ configType: 'flat' });
    const lint = (code: string) =>
      linter
        .verify(
          code,
          [
            {
              files: ['**/*.ts'],
              languageOptions: { parser: tseslint.parser },
              plugins: { '@typescript-eslint': tseslint.plugin },
              rules: { '@typescript-eslint/no-restricted-imports': rule },
            },
          ] as Linter.Config[],
          { filename: join(root, 'web/src/page.ts') },
        )
        .map((m) => m.message)
        .join('\n');
    expect(lint("import type { RunInfo } from '../../src/server/api-types.js';")).toBe('');
    expect(lint("import { Store } from '../../src/store/store.js';")).toContain('only the API types');
    expect(lint("import type { Principal } from '../../src/store/users.js';")).toContain('only the API types');
    expect(lint("import { can } from '../../src/server/policy.js';")).toContain('only the API types');
    expect(lint("import { PERMISSIONS } from '../../src/server/api-types.js';")).toContain('import them with `import type`');
  });
});
