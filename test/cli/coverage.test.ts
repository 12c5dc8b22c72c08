import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TECHNIQUE_KINDS } from '../../src/coverage/observation.js';
import type { CoverageReport } from '../../src/server/api-types.js';
import { testServer, userWithToken } from '../server/fixtures.js';
import { firedrill } from '../support/cli.js';

/** A local run's journal, as `firedrill server import` brings it in: cron persistence, seen by an alert 4.2 s in. */
function importedRun(id: string) {
  const at = '2026-12-01T10:00:00.000Z';
  return {
    id,
    title: 'cron persistence',
    startedBy: 'import',
    createdAt: Date.parse(at),
    endedAt: Date.parse(at) + 60_000,
    verdict: 'passed',
    reason: '',
    tags: [],
    request: {},
    events: [],
    journal: {
      runId: id,
      startedAt: at,
      dryRun: false,
      faults: [{ type: 'cron-persistence', injectedAt: at, status: 'reverted' }],
      expectations: [{ name: 'fim', kind: 'alert', within: 60_000, never: false, status: 'met', tookMs: 4200, detail: '' }],
    },
  };
}

describe('firedrill coverage', () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  let cwd: string;
  let tokenFile: string;

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'fd-coverage-cli-'));
    server = await testServer();
    await server.store.runs.importEnded(importedRun('20261201-100000-c0ffee'));
    tokenFile = join(cwd, 'token');
    writeFileSync(tokenFile, `${await userWithToken(server, 'vera', ['viewer'])}\n`);
  }, 30_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('prints a table of every technique: id, name, tactics, status, drills and median time to detect', async () => {
    const result = await firedrill(cwd, 'coverage', '--server', server.url, '--token-file', tokenFile);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^TECHNIQUE\s+NAME\s+TACTICS\s+STATUS\s+DRILLS\s+MEDIAN TTD$/);
    expect(lines.find((l) => l.startsWith('T1053.003'))).toMatch(
      /^T1053\.003\s+Scheduled Task\/Job: Cron\s+Execution, Persistence, Privilege Escalation\s+detected\s+1\s+4\.2s$/,
    );
    expect(lines.find((l) => l.startsWith('T1505.003'))).toMatch(/never tested\s+0\s+—$/);
    const registered = new Set([...TECHNIQUE_KINDS.values()].map((t) => t.id)).size;
    expect(result.stdout).toContain(`${registered} techniques (ATT&CK Enterprise v16): 1 drilled, 1 detected on time`);
  });

  it('prints JSON and writes a Navigator layer, the token taken from FIREDRILL_TOKEN', async () => {
    const layerFile = join(cwd, 'layer.json');
    process.env.FIREDRILL_TOKEN = readFileSync(tokenFile, 'utf8').trim();
    try {
      const result = await firedrill(cwd, 'coverage', '--server', `${server.url}/`, '--json', '--navigator', layerFile);
      expect(result.code).toBe(0);
      const { coverage } = JSON.parse(result.stdout) as { coverage: CoverageReport };
      expect(coverage.techniques.find((t) => t.techniqueId === 'T1053.003')).toMatchObject({ status: 'detected', medianTtdMs: 4200 });
      const layer = JSON.parse(readFileSync(layerFile, 'utf8')) as { versions: { layer: string }; techniques: { techniqueID: string }[] };
      expect(layer.versions.layer).toBe('4.5');
      expect(layer.techniques.map((t) => t.techniqueID)).toContain('T1053.003');
    } finally {
      delete process.env.FIREDRILL_TOKEN;
    }
  });

  it('exits 2 without a token or with a refused one, 3 when the server cannot be reached, and teaches with --help', async () => {
    const none = await firedrill(cwd, 'coverage', '--server', server.url);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/FIREDRILL_TOKEN/);
    const badFile = join(cwd, 'bad-token');
    writeFileSync(badFile, 'fdt_not-a-token\n');
    expect((await firedrill(cwd, 'coverage', '--server', server.url, '--token-file', badFile)).code).toBe(2);
    const away = await firedrill(cwd, 'coverage', '--server', 'http://127.0.0.1:9', '--token-file', tokenFile);
    expect(away.code).toBe(3);
    expect(away.stderr).toMatch(/cannot reach the server/);
    const help = await firedrill(cwd, 'coverage', '--help');
    expect(help.stdout).toMatch(/never tested\s+no drill you may know of detonated it/);
    expect(help.stdout).toMatch(/--navigator <file>/);
  });
});
