import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stopAgent } from '../support/processes.js';

const BIN = fileURLToPath(new URL('../../bin/firedrill.js', import.meta.url));
const run = promisify(execFile);

/** /etc/cron.d as bytes: each entry's name, mode and content. */
function cronD(): Record<string, string> {
  return Object.fromEntries(
    readdirSync('/etc/cron.d').map((name) => {
      const path = join('/etc/cron.d', name);
      return [name, `${(statSync(path).mode & 0o7777).toString(8)} ${readFileSync(path, 'base64')}`];
    }),
  );
}

// The one test that touches the real /etc: `firedrill run` plants cron persistence in
// /etc/cron.d (the technique's default, allowed for the run by the CLI) and must leave it byte
// for byte as it was.
describe('cron-persistence on the real /etc/cron.d', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fd-real-cron-'));
  afterAll(async () => {
    await stopAgent(join(dir, 'state')); // the local agent the run started
    rmSync(dir, { recursive: true, force: true });
  });

  it('is planted while the step runs and leaves /etc/cron.d exactly as it was', async () => {
    if (!existsSync('/etc/cron.d')) throw new Error('/etc/cron.d does not exist on this machine (apt-get install cron)');
    const before = cronD();
    writeFileSync(
      join(dir, 'cron.yaml'),
      `title: cron persistence, for real
targets:
  here: { kind: host, selector: { name: local } }
method:
  - { name: plant, fault: cron-persistence, target: here, duration: 1s }
`,
    );
    const planted: string[] = [];
    const watch = setInterval(() => planted.push(...readdirSync('/etc/cron.d').filter((n) => n.startsWith('firedrill-'))), 50);
    try {
      const done = await run(process.execPath, [BIN, 'run', 'cron.yaml', '--json', '--state-dir', join(dir, 'state')], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 60_000,
      });
      const result = JSON.parse(done.stdout) as { verdict: string };
      expect(result.verdict).toBe('passed');
    } finally {
      clearInterval(watch);
    }
    expect(planted.length).toBeGreaterThan(0);
    expect(cronD()).toEqual(before);
  }, 90_000);
});
