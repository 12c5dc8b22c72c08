import { accessSync, constants } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findPostgresBinaries, requirePostgresBinaries } from '../../src/postgres/binaries.js';
import type { PostgresTool } from '../../src/postgres/binaries.js';
import { runTool } from '../../src/postgres/run-tool.js';
import { serverUser } from '../../src/postgres/server-user.js';

const TOOLS: readonly PostgresTool[] = ['initdb', 'postgres', 'pg_ctl', 'pg_basebackup', 'pg_dump', 'pg_restore', 'psql'];

describe('PostgreSQL binaries', () => {
  it("finds Debian's PostgreSQL 15 server installation", () => {
    const binaries = findPostgresBinaries();
    expect(binaries).toMatchObject({ bindir: '/usr/lib/postgresql/15/bin', major: 15 });
    expect(requirePostgresBinaries()).toBe(binaries);
  });

  it('names an executable program for every tool it runs', () => {
    const binaries = requirePostgresBinaries();
    for (const tool of TOOLS) {
      expect(binaries.tool(tool)).toBe(`/usr/lib/postgresql/15/bin/${tool}`);
      expect(() => accessSync(binaries.tool(tool), constants.X_OK)).not.toThrow();
    }
  });

  it('runs a tool as the postgres user, since PostgreSQL refuses root', async () => {
    expect(process.getuid?.()).toBe(0);
    expect(serverUser()).toMatchObject({ name: 'postgres', uid: expect.any(Number), home: '/var/lib/postgresql' });
    const { stdout } = await runTool(requirePostgresBinaries().tool('postgres'), ['--version'], { cwd: '/', timeoutMs: 10_000 });
    expect(stdout).toMatch(/^postgres \(PostgreSQL\) 15\.\d+/);
  });

  it('reports a failing tool with its exit status and standard error', async () => {
    const pgCtl = requirePostgresBinaries().tool('pg_ctl');
    await expect(runTool(pgCtl, ['status', '-D', '/nonexistent-firedrill-data'], { cwd: '/', timeoutMs: 10_000 })).rejects.toMatchObject({
      code: 'FD_POSTGRES_TOOL',
      message: expect.stringMatching(/^pg_ctl status -D \/nonexistent-firedrill-data failed \(exit \d+\):\n.*nonexistent-firedrill-data/),
    });
  });
});
